namespace Ccr.Core.Config;

/// <summary>
/// A loaded, interpolated and validated config. Immutable: a reload builds a new instance and
/// swaps it in whole, so a request always sees one consistent config.
/// </summary>
public sealed record CcrConfig
{
    /// <summary>The file this config was read from, or null for a config built in memory.</summary>
    public string? SourcePath { get; init; }

    /// <summary>Providers in file order.</summary>
    public IReadOnlyList<ProviderConfig> Providers { get; init; } = Array.Empty<ProviderConfig>();

    /// <summary>The <c>Router</c> section.</summary>
    public RouterConfig Router { get; init; } = new();

    /// <summary>The <c>Presets</c> section, by name (ordinal, case-sensitive as in the file).</summary>
    public IReadOnlyDictionary<string, PresetConfig> Presets { get; init; } =
        new Dictionary<string, PresetConfig>(StringComparer.Ordinal);

    /// <summary><c>APIKEY</c>: when set, clients must present it (x-api-key or Bearer).</summary>
    public string? ApiKey { get; init; }

    /// <summary><c>HOST</c>: the address to bind; loopback unless the user asks otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary><c>PORT</c>.</summary>
    public int Port { get; init; } = CcrInfo.DefaultPort;

    /// <summary><c>LOG</c>: whether the routing-decision log file is written.</summary>
    public bool Log { get; init; } = true;

    /// <summary><c>LOG_LEVEL</c>: debug, info, warn or error.</summary>
    public string LogLevel { get; init; } = "info";

    /// <summary><c>LOG_BODIES</c>: opt-in logging of request bodies (still key-redacted).</summary>
    public bool LogBodies { get; init; }

    /// <summary>
    /// <c>API_TIMEOUT_MS</c>: how long an upstream answer may go silent between bytes (the idle deadline). Unless
    /// <see cref="FirstByteTimeoutMs"/> is set, it also caps the wait for the first byte.
    /// </summary>
    public int ApiTimeoutMs { get; init; } = 600_000;

    /// <summary><c>CONNECT_TIMEOUT_MS</c>: how long one attempt may take to open its connection to the upstream (default 5 s).</summary>
    public int ConnectTimeoutMs { get; init; } = 5_000;

    /// <summary>
    /// <c>FIRST_BYTE_TIMEOUT_MS</c>: how long one attempt may wait, from sending, for the first byte of the answer (for a
    /// stream, its first event). Null: the smaller of 120 s and <see cref="ApiTimeoutMs"/>; see <c>Routing.AttemptTimeouts</c>.
    /// </summary>
    public int? FirstByteTimeoutMs { get; init; }

    /// <summary><c>REQUEST_TIMEOUT_MS</c>: the whole request, fallbacks and streaming included, ends within this (default 30 min).</summary>
    public int RequestTimeoutMs { get; init; } = 1_800_000;

    /// <summary><c>PROXY_URL</c>: an outbound HTTP proxy for upstream calls.</summary>
    public string? ProxyUrl { get; init; }

    /// <summary><c>NON_INTERACTIVE_MODE</c>.</summary>
    public bool NonInteractiveMode { get; init; }

    /// <summary><c>MAX_BODY_BYTES</c>: the largest request body accepted (default 64 MiB: image-heavy Claude Code turns are large).</summary>
    public long MaxBodyBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary><c>MAX_HEADER_BYTES</c>: the largest request line plus headers (default 64 KiB); larger heads get 431.</summary>
    public int MaxHeaderBytes { get; init; } = 64 * 1024;

    /// <summary><c>HEADERS_TIMEOUT_MS</c>: time allowed for a whole request head once it started (slowloris).</summary>
    public int HeadersTimeoutMs { get; init; } = 15_000;

    /// <summary><c>BODY_TIMEOUT_MS</c>: time allowed for a whole request body.</summary>
    public int BodyTimeoutMs { get; init; } = 300_000;

    /// <summary><c>KEEPALIVE_TIMEOUT_MS</c>: how long a connection may sit idle before (or between) requests.</summary>
    public int KeepAliveTimeoutMs { get; init; } = 120_000;

    /// <summary><c>STREAM_WRITE_TIMEOUT_MS</c>: how long one write may wait on a client that does not read.</summary>
    public int StreamWriteTimeoutMs { get; init; } = 60_000;

    /// <summary>
    /// <c>STREAM_PING_INTERVAL_MS</c>: after this long with nothing written to a client's stream (the upstream thinking, or
    /// reading a long prompt), Ccr writes a keep-alive (Anthropic's <c>ping</c> event; an SSE comment for OpenAI clients).
    /// Default 15 s; 0 turns it off.
    /// </summary>
    public int StreamPingIntervalMs { get; init; } = 15_000;

    /// <summary><c>MAX_CONCURRENT_REQUESTS</c>: requests served at once before new ones get 503.</summary>
    public int MaxConcurrentRequests { get; init; } = 1024;

    /// <summary><c>Persistence</c>: where quota, usage and cooldowns are shared (the local files unless Redis is configured).</summary>
    internal PersistenceConfig Persistence { get; init; } = PersistenceConfig.Local;

    /// <summary>
    /// <c>CUSTOM_ROUTER_PATH</c>: the full path of a PowerShell <c>.ps1</c> router script (<c>~</c> expanded, a relative path
    /// taken from the config's folder), or null. Only a host that can run PowerShell uses it (see Routing/CustomRouterSlot).
    /// </summary>
    public string? CustomRouterPath { get; init; }

    /// <summary><c>CUSTOM_ROUTER_TIMEOUT_MS</c>: the time one call of the router script may take before Ccr keeps its own choice (default 100 ms).</summary>
    public int CustomRouterTimeoutMs { get; init; } = 100;

    /// <summary>Warnings found while loading (unknown transformer names, numbers written as strings...).</summary>
    public IReadOnlyList<ConfigDiagnostic> Warnings { get; init; } = Array.Empty<ConfigDiagnostic>();

    /// <summary>Finds a provider by name (case-insensitive, as users type them), or null.</summary>
    public ProviderConfig? FindProvider(string name)
    {
        foreach (ProviderConfig provider in Providers)
        {
            if (string.Equals(provider.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return provider;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="target"/> can be used: its provider exists, lists the model (or lists none)
    /// and has its key. Routes that are not Ready load with a warning and are skipped.
    /// </summary>
    public RouteTargetState GetRouteState(RouteTarget target)
    {
        ProviderConfig? provider = FindProvider(target.Provider);
        if (provider is null)
        {
            return RouteTargetState.UnknownProvider;
        }

        if (!provider.HasModel(target.Model))
        {
            return RouteTargetState.UnknownModel;
        }

        return provider.KeyState switch
        {
            KeyState.KeyMissing => RouteTargetState.KeyMissing,
            KeyState.KeySuspect => RouteTargetState.KeySuspect,
            _ => RouteTargetState.Ready,
        };
    }
}
