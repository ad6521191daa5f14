using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
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

    /// <summary>"session" or "detached".</summary>
    [JsonPropertyName("mode")]
    public string? Mode { get; init; }

    /// <summary>When it started.</summary>
    [JsonPropertyName("started_at")]
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Seconds since start.</summary>
    [JsonPropertyName("uptime_seconds")]
    public double UptimeSeconds { get; init; }

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

/// <summary>
/// Asks a port whether a Ccr proxy serves it. Liveness is always asked of the port itself, never
/// guessed from PID files (which broke the Node router on Windows).
/// </summary>
public static class ProxyProbe
{
    private static readonly HttpClient s_client = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>Returns the proxy's health, or null when nothing (or nothing that answers like Ccr) listens on the port.</summary>
    public static async Task<ProxyHealth?> GetHealthAsync(int port, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            Uri url = new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/health"));
            using HttpResponseMessage response = await s_client.GetAsync(url, cts.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            return await response.Content.ReadFromJsonAsync<ProxyHealth>(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or NotSupportedException)
        {
            return null;
        }
    }
}
