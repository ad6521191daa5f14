using Ccr.Core.Routing;
using Ccr.Core.Server;

namespace Ccr.PowerShell;

/// <summary>What the cmdlets need to know about this process: the proxies it runs and whether a person is at the keyboard.</summary>
internal static class CcrSession
{
    private static readonly StringComparison s_pathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>A proxy in this process serving <paramref name="configPath"/>, or null.</summary>
    public static CcrProxy? FindProxyServing(string configPath)
    {
        foreach (CcrProxy proxy in CcrProxy.InProcess)
        {
            if (SamePath(proxy.ConfigPath, configPath))
            {
                return proxy;
            }
        }

        return null;
    }

    public static bool SamePath(string? a, string? b) =>
        a is not null && b is not null && string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), s_pathComparison);

    /// <summary>Whether a person can be driving this host, as Core's interactive-only policy needs to know.</summary>
    public static HostInteractivity Interactivity() =>
        NonInteractiveReason() is { } reason ? HostInteractivity.NonInteractive(reason) : HostInteractivity.Interactive;

    /// <summary>
    /// Why this host cannot be a person at an interactive tool (pwsh -NonInteractive, redirected
    /// input, a CI variable), or null when it looks interactive.
    /// </summary>
    private static string? NonInteractiveReason()
    {
        foreach (string arg in Environment.GetCommandLineArgs())
        {
            // pwsh accepts any unambiguous prefix of -NonInteractive down to -noni, with - or /.
            string a = arg.TrimStart('-', '/');
            if (arg.Length > a.Length && a.Length >= 4 && "noninteractive".StartsWith(a, StringComparison.OrdinalIgnoreCase))
            {
                return "PowerShell runs with -NonInteractive";
            }
        }

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            return "the CI environment variable is set";
        }

        if (Console.IsInputRedirected)
        {
            return "standard input is redirected";
        }

        return null;
    }
}
