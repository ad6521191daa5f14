using System.Globalization;

namespace Ccr.Core.ClaudeCode;

/// <summary>
/// The <c>statusLine.command</c> Install-CcrStatusLine writes: curl posting Claude Code's stdin JSON to the proxy's
/// <c>/ccr/statusline</c>. curl ships with Windows 10+, macOS and Linux, and starts in milliseconds, where a
/// PowerShell would start on every refresh. When the proxy is down the command still prints a short notice and
/// exits 0, because Claude Code blanks the status line on a non-zero exit.
/// </summary>
internal static class StatusLineCommand
{
    /// <summary>What marks a status-line command as Ccr's (Uninstall-CcrStatusLine removes only those).</summary>
    public const string Marker = "/ccr/statusline";

    /// <summary>What the command prints (on macOS and Linux) when nothing answers on the port.</summary>
    public const string ProxyDownNotice = "ccr: proxy not running";

    /// <summary>The command for a proxy on <paramref name="port"/>, for Windows or for macOS and Linux.</summary>
    /// <param name="port">The proxy's port.</param>
    /// <param name="windows">Whether Claude Code runs it on Windows (Git Bash or Windows PowerShell).</param>
    /// <param name="sendKey">Whether the proxy has an APIKEY: the command then sends the token from Claude Code's environment.</param>
    /// <param name="color">False to ask for a line without colour always (NO_COLOR was set when installing).</param>
    public static string For(int port, bool windows, bool sendKey, bool color = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        string url = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + Marker;
        return windows ? ForWindows(url, sendKey, color) : ForUnix(url, sendKey, color);
    }

    /// <summary>True when <paramref name="command"/> is one this class wrote (it posts to /ccr/statusline).</summary>
    public static bool IsOurs(string? command) =>
        command is not null && command.Contains(Marker, StringComparison.OrdinalIgnoreCase);

    // Claude Code runs the command with sh -c (bash) on macOS and Linux. The key comes from the environment
    // Claude Code passes on (ANTHROPIC_AUTH_TOKEN, as Start-CcrClaude and Start-CcrProxy -SetEnvironment set it),
    // so it is never written into settings.json. NO_COLOR is the client's, which the proxy cannot see: the shell
    // checks it on every run and asks for ?color=0.
    private static string ForUnix(string url, bool sendKey, bool color) =>
        "curl -s --max-time 2 -H \"content-type: application/json\" " +
        (sendKey ? "-H \"x-api-key: ${ANTHROPIC_AUTH_TOKEN:-$ANTHROPIC_API_KEY}\" " : "") +
        "--data-binary @- \"" + url + (color ? "${NO_COLOR:+?color=0}" : "?color=0") + "\" || echo \"" + ProxyDownNotice + "\"";

    // On Windows Claude Code runs the command through Git Bash when it finds one (bash -c), and otherwise through
    // Windows PowerShell 5.1 (powershell -Command). One string must work in both, so:
    // - curl.exe, not curl: in Windows PowerShell, curl is an alias of Invoke-WebRequest;
    // - no "||": Windows PowerShell 5.1 cannot parse it. "; exit 0" gives the same exit code in both shells, and
    //   -S with --stderr - puts curl's own one-line error ("Failed to connect to 127.0.0.1 port ...") on stdout
    //   as the notice when the proxy is down;
    // - no $VAR: the two shells spell environment variables differently. With an APIKEY, curl reads the token
    //   itself (--variable %NAME=default, expanded by --expand-header; curl 8.3 or later). Without one the command
    //   needs nothing newer than the curl.exe Windows 10 shipped; NO_COLOR is read when installing;
    // - only double quotes, around plain text, which both shells pass through unchanged.
    private static string ForWindows(string url, bool sendKey, bool color) =>
        "curl.exe -sS --stderr - --max-time 2 -H \"content-type: application/json\" " +
        (sendKey ? "--variable \"%ANTHROPIC_AUTH_TOKEN=\" --expand-header \"x-api-key: {{ANTHROPIC_AUTH_TOKEN}}\" " : "") +
        "--data-binary \"@-\" \"" + url + (color ? "" : "?color=0") + "\"; exit 0";
}
