using Ccr.Core.Server;

namespace Ccr.PowerShell;

/// <summary>A running Ccr proxy, in this session or another process, as Get-CcrProxy and Start-CcrProxy -PassThru show it.</summary>
public sealed class ProxyInfo
{
    /// <summary>The port served.</summary>
    public int Port { get; init; }

    /// <summary>The process that serves it.</summary>
    public int ProcessId { get; init; }

    /// <summary>"session" (inside a PowerShell session) or "detached" (its own process).</summary>
    public string Mode { get; init; } = "";

    /// <summary>True when the proxy runs in this PowerShell process.</summary>
    public bool InThisSession { get; init; }

    /// <summary>What ANTHROPIC_BASE_URL should be.</summary>
    public string BaseUrl { get; init; } = "";

    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>How long it has run.</summary>
    public TimeSpan Uptime { get; init; }

    /// <summary>The config file it serves.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Requests answered.</summary>
    public long RequestsServed { get; init; }

    /// <summary>Streams open right now.</summary>
    public long ActiveStreams { get; init; }

    /// <summary>
    /// The processes of the sessions that asked for this proxy (the serving one included when it is a session):
    /// when the serving one ends, one of the others takes the port over; when the last one ends, the proxy stops.
    /// </summary>
    public IReadOnlyList<int> AttachedProcessIds { get; init; } = Array.Empty<int>();

    /// <summary>
    /// Where quota, usage and cooldowns are shared: <c>local</c>, <c>redis (connected to ...)</c> or
    /// <c>redis (unreachable since ..., using local)</c>.
    /// </summary>
    public string Persistence { get; init; } = "";

    /// <summary>
    /// The custom router script that routes: <c>none</c>, the <c>CUSTOM_ROUTER_PATH</c> file (with why it is not loaded,
    /// when it is not), or <c>Register-CcrRouter</c> ahead of it.
    /// </summary>
    public string CustomRouter { get; init; } = "";

    /// <summary>The Ccr version serving.</summary>
    public string Version { get; init; } = "";

    internal static ProxyInfo From(CcrProxy proxy) => new()
    {
        Port = proxy.Port,
        ProcessId = proxy.ProcessId,
        Mode = ProxyModeText.Of(proxy.Mode),
        InThisSession = true,
        BaseUrl = proxy.BaseUrl.ToString().TrimEnd('/'),
        StartedAt = proxy.StartedAt,
        Uptime = DateTimeOffset.UtcNow - proxy.StartedAt,
        ConfigPath = proxy.ConfigPath,
        RequestsServed = proxy.RequestsServed,
        ActiveStreams = proxy.ActiveStreams,
        Version = Ccr.Core.CcrInfo.Version,
        Persistence = proxy.Engine.Shared.Status.Describe(),
        CustomRouter = proxy.Engine.CustomRouter?.Describe() ?? "none",
        AttachedProcessIds = ProxyAttachment.AttachedProcessIds(proxy.Port),
    };

    internal static ProxyInfo From(ProxyHealth health) => new()
    {
        Port = health.Port,
        ProcessId = health.ProcessId,
        Mode = ProxyModeText.Of(health.Mode ?? ProxyMode.Detached),
        InThisSession = health.ProcessId == Environment.ProcessId,
        BaseUrl = "http://127.0.0.1:" + health.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        StartedAt = health.StartedAt,
        Uptime = TimeSpan.FromSeconds(health.UptimeSeconds),
        ConfigPath = health.ConfigPath,
        RequestsServed = health.RequestsServed,
        ActiveStreams = health.ActiveStreams,
        Version = health.Version ?? "",
        Persistence = health.Persistence ?? "",
        CustomRouter = health.CustomRouter ?? "",
        AttachedProcessIds = ProxyAttachment.AttachedProcessIds(health.Port),
    };
}
