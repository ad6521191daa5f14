using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Ccr.Core.ClaudeCode;

/// <summary>
/// Finds the Claude Code CLI on PATH and builds the <see cref="ProcessStartInfo"/> that runs it through the proxy:
/// the router's environment is set on that child only (the calling process's environment is never touched), the
/// user's arguments go through <see cref="ProcessStartInfo.ArgumentList"/> one by one, unchanged, and no command line
/// is ever joined by hand (claude-code-router's Windows bug #626 was a long, re-quoted command line).
/// </summary>
public static partial class ClaudeLauncher
{
    /// <summary>What to install when no <c>claude</c> is on PATH.</summary>
    public const string InstallAdvice =
        "Install Claude Code with 'npm install -g @anthropic-ai/claude-code' (needs Node.js 18 or later) or its native installer (https://docs.anthropic.com/en/docs/claude-code/setup), then open a new terminal so PATH includes it.";

    /// <summary>The hosts a child must reach without a proxy: the router listens on loopback.</summary>
    public const string LoopbackHosts = "127.0.0.1,localhost,::1";

    /// <summary>
    /// The CLI on <paramref name="pathVariable"/> (default: this process's PATH), or null when there is none.
    /// </summary>
    /// <param name="pathVariable">A PATH value to search, for tests.</param>
    public static ClaudeExecutable? Find(string? pathVariable = null)
    {
        string[] folders = (pathVariable ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!OperatingSystem.IsWindows())
        {
            // Unix: the native installer's binary and npm's symlink to cli.js (with a node shebang) are both run as is;
            // execve reads the shebang and argv reaches node unchanged.
            foreach (string folder in folders)
            {
                string candidate = Path.Combine(folder, "claude");
                if (File.Exists(candidate) && IsExecutable(candidate))
                {
                    return new ClaudeExecutable(candidate, Array.Empty<string>(), candidate, ViaCommandShell: false);
                }
            }

            return null;
        }

        // Windows: claude.exe (the native installer) anywhere on PATH is preferred over npm's claude.cmd shim,
        // because CreateProcess runs a .cmd through cmd.exe, which re-parses the whole command line: quotes,
        // %, ^, & and long prompts break there (claude-code-router #626). A shim is resolved to the node script
        // it calls, so node gets the arguments from CreateProcess's own quoting, which it undoes exactly.
        foreach (string folder in folders)
        {
            string exe = Path.Combine(folder, "claude.exe");
            if (File.Exists(exe))
            {
                return new ClaudeExecutable(exe, Array.Empty<string>(), exe, ViaCommandShell: false);
            }
        }

        foreach (string folder in folders)
        {
            string shim = Path.Combine(folder, "claude.cmd");
            if (File.Exists(shim))
            {
                return ResolveNpmShim(shim, folders) ?? new ClaudeExecutable(shim, Array.Empty<string>(), shim, ViaCommandShell: true);
            }
        }

        return null;
    }

    /// <summary>
    /// The start info for <paramref name="claude"/> with <paramref name="arguments"/>: no redirection (claude owns the
    /// console, so it gets Ctrl+C and draws its UI), the environment of this process plus the router's.
    /// </summary>
    /// <param name="claude">The CLI, from <see cref="Find"/>.</param>
    /// <param name="arguments">The user's arguments, passed one by one.</param>
    /// <param name="environment">The router's variables for the child.</param>
    /// <param name="workingDirectory">The child's working folder (PowerShell's current location, which is not the process's).</param>
    public static ProcessStartInfo CreateStartInfo(ClaudeExecutable claude, IReadOnlyList<string> arguments, ClaudeEnvironment environment, string? workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(claude);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var info = new ProcessStartInfo(claude.FileName) { UseShellExecute = false };
        if (!string.IsNullOrEmpty(workingDirectory))
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (string argument in claude.LeadingArguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // ProcessStartInfo.Environment starts as a copy of this process's block; changing it changes the child's only.
        IDictionary<string, string?> env = info.Environment;
        env["ANTHROPIC_BASE_URL"] = environment.BaseUrl;
        env["ANTHROPIC_AUTH_TOKEN"] = environment.AuthToken;
        // An inherited API key would compete with the token: Claude Code may send it (and ask to approve it) instead.
        env.Remove("ANTHROPIC_API_KEY");
        if (environment.Model is not null)
        {
            env["ANTHROPIC_MODEL"] = environment.Model;
        }

        if (!env.ContainsKey("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"))
        {
            // Without it Claude Code also calls Anthropic's own hosts (telemetry, updates), which the router does not serve.
            env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
        }

        if (OperatingSystem.IsWindows())
        {
            // Windows: variable names ignore case and the block holds one entry per name, so NO_PROXY and no_proxy are one variable.
            env["NO_PROXY"] = WithLoopback(env.TryGetValue("NO_PROXY", out string? noProxy) ? noProxy : null);
        }
        else
        {
            // Unix: both spellings are separate variables and tools read either (node's proxy agents, curl: lower case first).
            env["NO_PROXY"] = WithLoopback(env.TryGetValue("NO_PROXY", out string? upper) ? upper : null);
            env["no_proxy"] = WithLoopback(env.TryGetValue("no_proxy", out string? lower) ? lower : null);
        }

        return info;
    }

    /// <summary><paramref name="current"/> with the loopback hosts added (each once), or just those when it is empty.</summary>
    public static string WithLoopback(string? current)
    {
        if (string.IsNullOrWhiteSpace(current))
        {
            return LoopbackHosts;
        }

        var hosts = new List<string>(current.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (string host in LoopbackHosts.Split(','))
        {
            if (!hosts.Contains(host, StringComparer.OrdinalIgnoreCase))
            {
                hosts.Add(host);
            }
        }

        return string.Join(',', hosts);
    }

    /// <summary>
    /// npm's cmd-shim ends in <c>"%_prog%" "%dp0%\node_modules\...\cli.js" %*</c>: the script (or, for packages that ship
    /// a binary, the .exe) sits beside the shim. node is the shim's own <c>node.exe</c> when there is one, else node on PATH.
    /// </summary>
    internal static ClaudeExecutable? ResolveNpmShim(string shim, string[] folders)
    {
        string text;
        try
        {
            text = File.ReadAllText(shim);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        string folder = Path.GetDirectoryName(shim) ?? ".";
        string? target = null;
        foreach (Match match in ShimTarget().Matches(text))
        {
            string relative = match.Groups["path"].Value.Replace('\\', Path.DirectorySeparatorChar);
            string candidate = Path.GetFullPath(Path.Combine(folder, relative.TrimStart(Path.DirectorySeparatorChar)));
            if (File.Exists(candidate) && !candidate.EndsWith("node.exe", StringComparison.OrdinalIgnoreCase))
            {
                target = candidate;
            }
        }

        if (target is null)
        {
            return null;
        }

        if (target.EndsWith(".exe", StringComparison.OrdinalIgnoreCase))
        {
            return new ClaudeExecutable(target, Array.Empty<string>(), shim, ViaCommandShell: false);
        }

        string? node = File.Exists(Path.Combine(folder, "node.exe")) ? Path.Combine(folder, "node.exe") : null;
        foreach (string pathFolder in folders)
        {
            if (node is not null)
            {
                break;
            }

            string candidate = Path.Combine(pathFolder, "node.exe");
            if (File.Exists(candidate))
            {
                node = candidate;
            }
        }

        return node is null ? null : new ClaudeExecutable(node, new[] { target }, shim, ViaCommandShell: false);
    }

    private static bool IsExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        UnixFileMode mode = File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }

    [GeneratedRegex(@"""%~?dp0%?\\?(?<path>[^""%]+)""", RegexOptions.CultureInvariant)]
    private static partial Regex ShimTarget();
}
