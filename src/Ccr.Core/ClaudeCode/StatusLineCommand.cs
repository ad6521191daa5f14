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
    public static string For(int port, bool windows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        string url = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + Marker;
        return windows ? ForWindows(url) : ForUnix(url);
    }

    /// <summary>True when <paramref name="command"/> is one this class wrote (it posts to /ccr/statusline).</summary>
    public static bool IsOurs(string? command) =>
        command is not null && command.Contains(Marker, StringComparison.OrdinalIgnoreCase);

    // Claude Code runs the command with sh -c (bash) on macOS and Linux. The key comes from the environment
    // Claude Code passes on (ANTHROPIC_AUTH_TOKEN, as Start-CcrClaude and Start-CcrProxy -SetEnvironment set it),
    // so it is never written into settings.json; with no APIKEY configured, the empty header is not sent at all.
    // NO_COLOR is the client's, which the proxy cannot see: it goes in the query.
    private static string ForUnix(string url) =>
        "curl -s --max-time 2 -H \"content-type: application/json\" -H \"x-api-key: ${ANTHROPIC_AUTH_TOKEN:-$ANTHROPIC_API_KEY}\" " +
        "--data-binary @- \"" + url + "${NO_COLOR:+?color=0}\" || echo \"" + ProxyDownNotice + "\"";

    // On Windows Claude Code runs the command through Git Bash when it finds one (bash -c), and otherwise through
    // Windows PowerShell 5.1 (powershell -Command). One string must work in both, so:
    // - curl.exe, not curl: in Windows PowerShell, curl is an alias of Invoke-WebRequest;
    // - no "||": Windows PowerShell 5.1 cannot parse it; "; exit 0" means the same exit code in both shells, and
    //   --stderr - with -S puts curl's own one-line error ("Failed to connect to 127.0.0.1 port ...") on stdout
    //   as the notice when the proxy is down;
    // - no $VAR: bash and PowerShell spell environment variables differently, so curl reads them itself
    //   (--variable %NAME=default, expanded with {{NAME}}; curl 8.3 or later, as Windows ships);
    // - only double quotes, and only plain text inside them, which both shells pass through unchanged.
    private static string ForWindows(string url) =>
        "curl.exe -sS --stderr - --max-time 2 -H \"content-type: application/json\" " +
        "--variable \"%ANTHROPIC_AUTH_TOKEN=\" --expand-header \"x-api-key: {{ANTHROPIC_AUTH_TOKEN}}\" " +
        "--variable \"%NO_COLOR=\" --data-binary \"@-\" --expand-url \"" + url + "?no_color={{NO_COLOR}}\"; exit 0";
}
