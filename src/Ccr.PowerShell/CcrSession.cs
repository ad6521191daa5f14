using Ccr.Core.Routing;
using Ccr.Core.Server;

namespace Ccr.PowerShell;

/// <summary>What the cmdlets need to know about this process: the proxies it runs and whether a person is at the keyboard.</summary>
internal static class CcrSession
{
    private static readonly StringComparison s_pathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static readonly object s_proxyGate = new();
    private static SessionProxy? s_proxy;

    /// <summary>
    /// The config of the proxy this session runs, or found with Start-CcrProxy (another session's, a detached one):
    /// every cmdlet's default config after <c>-ConfigPath</c>. Null when the session has none, or when the proxy it
    /// ran in this process is gone.
    /// </summary>
    public static string? ProxyConfigPath
    {
        get
        {
            SessionProxy? known;
            lock (s_proxyGate)
            {
                known = s_proxy;
            }

            if (known is null)
            {
                return null;
            }

            // A proxy of this process that stopped (Remove-Module, a failed start) no longer speaks for the session.
            if (known.InProcess && (CcrProxy.FindInProcess(known.Port) is not { } running || !SamePath(running.ConfigPath, known.ConfigPath)))
            {
                return null;
            }

            return known.ConfigPath;
        }
    }

    /// <summary>The port of the proxy <see cref="ProxyConfigPath"/> belongs to, or null when the session has none.</summary>
    public static int? ProxyPort
    {
        get
        {
            SessionProxy? known;
            lock (s_proxyGate)
            {
                known = s_proxy;
            }

            return known is not null && ProxyConfigPath is not null ? known.Port : null;
        }
    }

    /// <summary>Records the proxy Start-CcrProxy started or found on <paramref name="port"/>, serving <paramref name="configPath"/>.</summary>
    public static void RememberProxy(int port, string? configPath, bool inProcess)
    {
        if (string.IsNullOrEmpty(configPath))
        {
            return;
        }

        lock (s_proxyGate)
        {
            s_proxy = new SessionProxy(port, Path.GetFullPath(configPath), inProcess);
        }
    }

    /// <summary>Forgets the session's proxy once Stop-CcrProxy stopped the one on <paramref name="port"/>.</summary>
    public static void ForgetProxy(int port)
    {
        lock (s_proxyGate)
        {
            if (s_proxy?.Port == port)
            {
                s_proxy = null;
            }
        }
    }

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

    /// <summary>Whether two paths name the same file, with the platform's case rule.</summary>
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

    private sealed record SessionProxy(int Port, string ConfigPath, bool InProcess);
}
