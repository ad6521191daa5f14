using System.Text.Json.Serialization;

namespace Ccr.Core.Server;

/// <summary>What a running Ccr proxy says about itself on <c>/health</c>.</summary>
public sealed class ProxyHealth
{
    /// <summary>"ccr" for a Ccr proxy.</summary>
    [JsonPropertyName("service")]
    public string? Service { get; init; }

    /// <summary>Its version.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; init; }

    /// <summary>The process that serves it.</summary>
    [JsonPropertyName("pid")]
    public int ProcessId { get; init; }

    /// <summary>The port.</summary>
    [JsonPropertyName("port")]
    public int Port { get; init; }

    /// <summary>How it is hosted; null when a proxy of another version names a mode this one does not know.</summary>
    [JsonPropertyName("mode")]
    [JsonConverter(typeof(ProxyModeJsonConverter))]
    public ProxyMode? Mode { get; init; }

    /// <summary>When it started.</summary>
    [JsonPropertyName("started_at")]
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Seconds since start.</summary>
    [JsonPropertyName("uptime_seconds")]
    public double UptimeSeconds { get; init; }

    /// <summary>Where quota, usage and cooldowns are shared: "local", or "redis (...)" with how Redis stands; null from an older proxy.</summary>
    [JsonPropertyName("persistence")]
    public string? Persistence { get; init; }

    /// <summary>Which custom router script routes (see CustomRouterSlot.Describe); null from an older proxy.</summary>
    [JsonPropertyName("custom_router")]
    public string? CustomRouter { get; init; }

    /// <summary>The config file it serves.</summary>
    [JsonPropertyName("config_path")]
    public string? ConfigPath { get; init; }

    /// <summary>Requests answered.</summary>
    [JsonPropertyName("requests_served")]
    public long RequestsServed { get; init; }

    /// <summary>Streams open.</summary>
    [JsonPropertyName("active_streams")]
    public long ActiveStreams { get; init; }

    /// <summary>True when this is a Ccr proxy rather than some other program on the port.</summary>
    public bool IsCcr => string.Equals(Service, CcrInfo.ServiceName, StringComparison.Ordinal);
}
