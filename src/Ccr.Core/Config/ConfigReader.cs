using System.Globalization;
using System.Text.Json;

namespace Ccr.Core.Config;

/// <summary>
/// Binds a parsed config document to the model: one instance per load, collecting diagnostics as it goes.
/// Every value is located through the <see cref="JsonPositionMap"/> so a diagnostic can name line and column.
/// Provider entries are read by <see cref="ProviderEntryReader"/>; the router, presets and top-level settings here.
/// </summary>
internal sealed class ConfigReader : ConfigValueReader
{
    private readonly ProviderEntryReader _providers;
    private bool _literalApiKey;

    public ConfigReader(string? filePath, JsonPositionMap map, VariableResolver variables, List<ConfigDiagnostic> diagnostics)
        : base(filePath, map, variables, diagnostics)
    {
        _providers = new ProviderEntryReader(filePath, map, variables, diagnostics);
    }

    /// <summary>True once a provider key or APIKEY was written in the file itself rather than as <c>${VAR}</c>.</summary>
    public bool HoldsLiteralSecret => _literalApiKey || _providers.HoldsLiteralSecret;

    public CcrConfig Read(JsonElement root)
    {
        var providers = new List<ProviderConfig>();
        if (TryGet(root, "$", out JsonElement providersElement, out string providersPath, "Providers"))
        {
            if (providersElement.ValueKind == JsonValueKind.Array)
            {
                int index = 0;
                foreach (JsonElement entry in providersElement.EnumerateArray())
                {
                    ProviderConfig? provider = _providers.ReadProvider(entry, JsonPaths.Index(providersPath, index));
                    if (provider is not null)
                    {
                        providers.Add(provider);
                    }

                    index++;
                }
            }
            else if (providersElement.ValueKind != JsonValueKind.Null)
            {
                Error("InvalidType", providersPath, "Providers must be an array of provider objects: \"Providers\": [ { \"name\": ..., \"api_base_url\": ... } ].");
            }
        }

        RouterConfig router = TryGet(root, "$", out JsonElement routerElement, out string routerPath, "Router")
            ? ReadRouter(routerElement, routerPath)
            : new RouterConfig();

        var presets = new Dictionary<string, PresetConfig>(StringComparer.Ordinal);
        if (TryGet(root, "$", out JsonElement presetsElement, out string presetsPath, "Presets"))
        {
            if (presetsElement.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty preset in presetsElement.EnumerateObject())
                {
                    PresetConfig? read = ReadPreset(preset.Name, preset.Value, JsonPaths.Member(presetsPath, preset.Name));
                    if (read is not null)
                    {
                        presets[preset.Name] = read;
                    }
                }
            }
            else if (presetsElement.ValueKind != JsonValueKind.Null)
            {
                Error("InvalidType", presetsPath, "Presets must be an object of named presets: \"Presets\": { \"coding_qwen\": { \"route\": \"qwen,qwen3-coder-plus\" } }.");
            }
        }

        var defaults = new CcrConfig();
        var config = new CcrConfig
        {
            SourcePath = _filePath,
            Providers = providers,
            Router = router,
            Presets = presets,
            ApiKey = ReadApiKey(root),
            Host = NonEmpty(ReadString(root, "HOST")) ?? defaults.Host,
            Port = ReadInt(root, "PORT", 1, 65535) ?? defaults.Port,
            Log = ReadBool(root, "LOG") ?? defaults.Log,
            LogLevel = ReadLogLevel(root) ?? defaults.LogLevel,
            LogBodies = ReadBool(root, "LOG_BODIES") ?? defaults.LogBodies,
            ApiTimeoutMs = ReadInt(root, "API_TIMEOUT_MS", 1, int.MaxValue) ?? defaults.ApiTimeoutMs,
            ConnectTimeoutMs = ReadInt(root, "CONNECT_TIMEOUT_MS", 1, int.MaxValue) ?? defaults.ConnectTimeoutMs,
            FirstByteTimeoutMs = ReadInt(root, "FIRST_BYTE_TIMEOUT_MS", 1, int.MaxValue),
            RequestTimeoutMs = ReadInt(root, "REQUEST_TIMEOUT_MS", 1, int.MaxValue) ?? defaults.RequestTimeoutMs,
            ProxyUrl = ReadProxyUrl(root),
            NonInteractiveMode = ReadBool(root, "NON_INTERACTIVE_MODE") ?? defaults.NonInteractiveMode,
            MaxBodyBytes = ReadLong(root, "MAX_BODY_BYTES", 1, long.MaxValue) ?? defaults.MaxBodyBytes,
            MaxConcurrentRequests = ReadInt(root, "MAX_CONCURRENT_REQUESTS", 1, int.MaxValue) ?? defaults.MaxConcurrentRequests,
            MaxHeaderBytes = ReadInt(root, "MAX_HEADER_BYTES", 1024, 16 * 1024 * 1024) ?? defaults.MaxHeaderBytes,
            HeadersTimeoutMs = ReadInt(root, "HEADERS_TIMEOUT_MS", 100, int.MaxValue) ?? defaults.HeadersTimeoutMs,
            BodyTimeoutMs = ReadInt(root, "BODY_TIMEOUT_MS", 100, int.MaxValue) ?? defaults.BodyTimeoutMs,
            KeepAliveTimeoutMs = ReadInt(root, "KEEPALIVE_TIMEOUT_MS", 100, int.MaxValue) ?? defaults.KeepAliveTimeoutMs,
            StreamWriteTimeoutMs = ReadInt(root, "STREAM_WRITE_TIMEOUT_MS", 100, int.MaxValue) ?? defaults.StreamWriteTimeoutMs,
            StreamPingIntervalMs = ReadStreamPingInterval(root) ?? defaults.StreamPingIntervalMs,
            Persistence = ReadPersistence(root),
            CustomRouterPath = ReadCustomRouterPath(root),
            CustomRouterTimeoutMs = ReadInt(root, "CUSTOM_ROUTER_TIMEOUT_MS", 1, 60_000) ?? defaults.CustomRouterTimeoutMs,
        };

        _providers.CheckDuplicateProviders(root, providers);
        CheckRoutes(config, routerPath, presetsPath);
        return config;
    }

    private string? ReadApiKey(JsonElement root)
    {
        string? key = NonEmpty(ReadString(root, "APIKEY"));
        if (key is not null && root.TryGetProperty("APIKEY", out JsonElement raw) && raw.ValueKind == JsonValueKind.String
            && string.Equals(raw.GetString(), key, StringComparison.Ordinal))
        {
            // A literal APIKEY is common (it is a local password) and not worth a warning of its own, but it makes the file a secret.
            _literalApiKey = true;
        }

        return key;
    }

    /// <summary><c>STREAM_PING_INTERVAL_MS</c>: 0 (off) or at least 1000; a ping every few milliseconds would be noise, not a keep-alive.</summary>
    private int? ReadStreamPingInterval(JsonElement root)
    {
        int? ms = ReadInt(root, "STREAM_PING_INTERVAL_MS", 0, 3_600_000);
        if (ms is > 0 and < 1000)
        {
            Error("InvalidNumber", "$.STREAM_PING_INTERVAL_MS", ms.Value.ToString(CultureInfo.InvariantCulture) + " ms is too short for a keep-alive; write 0 to turn stream pings off, or at least 1000 (the default is 15000).");
            return null;
        }

        return ms;
    }

    /// <summary>
    /// <c>CUSTOM_ROUTER_PATH</c> as a full path: <c>~</c> is the user's home on every platform, and a relative path is taken from
    /// the config's folder, not the working directory of whichever process loads the config. claude-code-router's users bring
    /// a <c>.js</c> router here; Ccr runs PowerShell, so anything but <c>.ps1</c> is refused with a warning rather than parsed.
    /// </summary>
    private string? ReadCustomRouterPath(JsonElement root)
    {
        string? text = NonEmpty(ReadString(root, "CUSTOM_ROUTER_PATH"))?.Trim();
        if (text is null)
        {
            return null;
        }

        string path = ConfigPaths.ExpandHome(text);
        if (!Path.IsPathRooted(path))
        {
            string folder = Path.GetDirectoryName(_filePath is null ? Path.GetFullPath(".") : Path.GetFullPath(_filePath)) ?? ".";
            path = Path.Combine(folder, path);
        }

        path = Path.GetFullPath(path);
        if (!string.Equals(Path.GetExtension(path), ".ps1", StringComparison.OrdinalIgnoreCase))
        {
            Warning("CustomRouterNotPowerShell", "$.CUSTOM_ROUTER_PATH",
                $"CUSTOM_ROUTER_PATH names '{path}', which is not a .ps1 file. Ccr runs custom routers written in PowerShell: write a .ps1 with param($Request) that returns \"provider,model\", a preset name or $null (see about_Ccr, CUSTOM ROUTER). Routing goes on without it.");
            return null;
        }

        if (!File.Exists(path))
        {
            Warning("CustomRouterMissing", "$.CUSTOM_ROUTER_PATH",
                $"CUSTOM_ROUTER_PATH names '{path}', which does not exist. Ccr routes without it and loads it as soon as the file appears.");
        }

        return path;
    }

    #region Router and presets

    private RouterConfig ReadRouter(JsonElement router, string path)
    {
        if (router.ValueKind != JsonValueKind.Object)
        {
            Error("InvalidType", path, "Router must be an object such as { \"default\": \"qwen,qwen3-coder-plus\", \"tiers\": [ ... ] }.");
            return new RouterConfig();
        }

        var defaults = new RouterConfig();
        var tiers = new List<RouteTarget>();
        if (TryGet(router, path, out JsonElement tiersElement, out string tiersPath, "tiers"))
        {
            if (tiersElement.ValueKind == JsonValueKind.Array)
            {
                int index = 0;
                foreach (JsonElement tier in tiersElement.EnumerateArray())
                {
                    string tierPath = JsonPaths.Index(tiersPath, index++);
                    if (ParseRoute(tier, tierPath, allowEmpty: false) is RouteTarget target)
                    {
                        tiers.Add(target);
                    }
                }
            }
            else
            {
                Error("InvalidType", tiersPath, "Router.tiers must be an array of \"provider,model\" strings in priority order.");
            }
        }

        return new RouterConfig
        {
            Default = ReadRoute(router, path, "default"),
            Background = ReadRoute(router, path, "background"),
            Think = ReadRoute(router, path, "think"),
            LongContext = ReadRoute(router, path, "longContext"),
            LongContextThreshold = ReadInt(router, path, 1, int.MaxValue, "longContextThreshold") ?? defaults.LongContextThreshold,
            WebSearch = ReadRoute(router, path, "webSearch"),
            Tiers = tiers,
            TierRetries = ReadTierRetries(router, path),
            Fallback = ReadFallback(router, path),
        };
    }

    private Dictionary<string, RetryPolicy> ReadTierRetries(JsonElement router, string routerPath)
    {
        var result = new Dictionary<string, RetryPolicy>(StringComparer.OrdinalIgnoreCase);
        if (!TryGet(router, routerPath, out JsonElement element, out string path, "tierRetries"))
        {
            return result;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error("InvalidType", path, "tierRetries must be an object keyed by \"tier-0\", \"tier-1\"... with { \"max_retries\", \"base_backoff_ms\", \"backoff_multiplier\" }.");
            return result;
        }

        foreach (JsonProperty tier in element.EnumerateObject())
        {
            string tierPath = JsonPaths.Member(path, tier.Name);
            if (tier.Value.ValueKind != JsonValueKind.Object)
            {
                Error("InvalidType", tierPath, "Each tierRetries entry must be an object: { \"max_retries\": 3, \"base_backoff_ms\": 100, \"backoff_multiplier\": 2.0 }.");
                continue;
            }

            RetryPolicy d = RetryPolicy.Default;
            result[tier.Name] = new RetryPolicy(
                ReadInt(tier.Value, tierPath, 0, 100, "max_retries") ?? d.MaxRetries,
                ReadInt(tier.Value, tierPath, 0, int.MaxValue, "base_backoff_ms") ?? d.BaseBackoffMs,
                ReadDouble(tier.Value, tierPath, "backoff_multiplier") ?? d.BackoffMultiplier)
            {
                // CCR-Rust's spellings (snake_case, and the camelCase aliases its serde accepts), so its configs paste unchanged.
                FirstByteTimeoutMs = ReadInt(tier.Value, tierPath, 1, int.MaxValue, "stream_first_event_timeout_ms", "streamFirstEventTimeoutMs"),
                IdleTimeoutMs = ReadInt(tier.Value, tierPath, 1, int.MaxValue, "stream_idle_timeout_ms", "streamIdleTimeoutMs"),
                RetryOnTimeout = ReadBool(tier.Value, tierPath, "retry_on_timeout", "retryOnTimeout") ?? false,
            };
        }

        return result;
    }

    private Dictionary<string, IReadOnlyList<RouteTarget>> ReadFallback(JsonElement router, string routerPath)
    {
        var result = new Dictionary<string, IReadOnlyList<RouteTarget>>(StringComparer.OrdinalIgnoreCase);
        if (!TryGet(router, routerPath, out JsonElement element, out string path, "fallback"))
        {
            return result;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error("InvalidType", path, "fallback must be an object of scenario names to route lists, e.g. { \"default\": [\"qwen,qwen3-coder-plus\"] }.");
            return result;
        }

        foreach (JsonProperty scenario in element.EnumerateObject())
        {
            string scenarioPath = JsonPaths.Member(path, scenario.Name);
            var routes = new List<RouteTarget>();
            if (scenario.Value.ValueKind == JsonValueKind.Array)
            {
                int index = 0;
                foreach (JsonElement route in scenario.Value.EnumerateArray())
                {
                    if (ParseRoute(route, JsonPaths.Index(scenarioPath, index++), allowEmpty: false) is RouteTarget target)
                    {
                        routes.Add(target);
                    }
                }
            }
            else
            {
                Error("InvalidType", scenarioPath, "A fallback entry must be an array of \"provider,model\" strings.");
            }

            result[scenario.Name] = routes;
        }

        return result;
    }

    private PresetConfig? ReadPreset(string name, JsonElement preset, string path)
    {
        if (preset.ValueKind != JsonValueKind.Object)
        {
            Error("InvalidType", path, $"Preset '{name}' must be an object such as {{ \"route\": \"qwen,qwen3-coder-plus\", \"temperature\": 0.7 }}.");
            return null;
        }

        if (!TryGet(preset, path, out JsonElement routeElement, out string routePath, "route"))
        {
            Error("PresetRouteMissing", path, $"Preset '{name}' has no \"route\"; add one such as \"route\": \"qwen,qwen3-coder-plus\".");
            return null;
        }

        if (ParseRoute(routeElement, routePath, allowEmpty: false) is not RouteTarget route)
        {
            return null;
        }

        return new PresetConfig
        {
            Name = name,
            Route = route,
            Temperature = ReadDouble(preset, path, "temperature"),
            MaxTokens = ReadInt(preset, path, 1, int.MaxValue, "max_tokens", "maxTokens"),
            TopP = ReadDouble(preset, path, "top_p", "topP"),
            System = ReadString(preset, path, "system"),
        };
    }

    private RouteTarget? ReadRoute(JsonElement parent, string parentPath, string name)
    {
        if (!TryGet(parent, parentPath, out JsonElement element, out string path, name))
        {
            return null;
        }

        return ParseRoute(element, path, allowEmpty: true);
    }

    private RouteTarget? ParseRoute(JsonElement element, string path, bool allowEmpty)
    {
        if (element.ValueKind == JsonValueKind.Null && allowEmpty)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            Error("InvalidRoute", path, "A route must be a string \"provider,model\", e.g. \"qwen,qwen3-coder-plus\".");
            return null;
        }

        string text = StringValue(element, path) ?? "";
        if (allowEmpty && text.Trim().Length == 0)
        {
            // claude-code-router writes "" for scenarios that are not used.
            return null;
        }

        if (!RouteTarget.TryParse(text, out RouteTarget target))
        {
            Error("InvalidRoute", path, $"'{text}' is not a route; write \"provider,model\" with a provider from Providers and one of its models, e.g. \"qwen,qwen3-coder-plus\".");
            return null;
        }

        return target;
    }

    /// <summary>Routes naming unknown providers or models load (the documented example does this) but are reported.</summary>
    private void CheckRoutes(CcrConfig config, string routerPath, string presetsPath)
    {
        RouterConfig router = config.Router;
        CheckRoute(config, router.Default, JsonPaths.Member(routerPath, "default"));
        CheckRoute(config, router.Background, JsonPaths.Member(routerPath, "background"));
        CheckRoute(config, router.Think, JsonPaths.Member(routerPath, "think"));
        CheckRoute(config, router.LongContext, JsonPaths.Member(routerPath, "longContext"));
        CheckRoute(config, router.WebSearch, JsonPaths.Member(routerPath, "webSearch"));
        JsonSpan? tiers = _map.Find(JsonPaths.Member(routerPath, "tiers"));
        if (tiers is not null)
        {
            foreach (string tierPath in tiers.Children)
            {
                CheckRouteAt(config, tierPath);
            }
        }

        foreach (KeyValuePair<string, PresetConfig> preset in config.Presets)
        {
            CheckRoute(config, preset.Value.Route, JsonPaths.Member(JsonPaths.Member(presetsPath, preset.Key), "route"));
        }

        JsonSpan? fallback = _map.Find(JsonPaths.Member(routerPath, "fallback"));
        if (fallback is not null)
        {
            foreach (string scenarioPath in fallback.Children)
            {
                foreach (string routePath in _map.Find(scenarioPath)?.Children ?? new List<string>())
                {
                    CheckRouteAt(config, routePath);
                }
            }
        }
    }

    private void CheckRouteAt(CcrConfig config, string path)
    {
        JsonSpan? span = _map.Find(path);
        if (span is null || span.Kind != JsonTokenType.String)
        {
            return;
        }

        string raw = _map.Text[(span.ValueStart + 1)..(span.ValueEnd - 1)];
        if (RouteTarget.TryParse(_variables.Expand(raw, new List<string>()), out RouteTarget target))
        {
            CheckRoute(config, target, path);
        }
    }

    private void CheckRoute(CcrConfig config, RouteTarget? target, string path)
    {
        if (target is not RouteTarget route)
        {
            return;
        }

        ConfigDiagnostic? problem = RouteProblem(config, route, path, DiagnosticSeverity.Warning);
        if (problem is not null)
        {
            _diagnostics.Add(problem);
        }
    }

    /// <summary>A diagnostic when <paramref name="route"/> names an unknown provider or model, else null.</summary>
    public ConfigDiagnostic? RouteProblem(CcrConfig config, RouteTarget route, string path, DiagnosticSeverity severity)
    {
        (string Code, string Message)? problem = DescribeRouteProblem(config, route);
        return problem is null ? null : Diagnostic(severity, problem.Value.Code, path, problem.Value.Message);
    }

    /// <summary>Why <paramref name="route"/> cannot be used with <paramref name="config"/>'s providers, or null when it can.</summary>
    public static (string Code, string Message)? DescribeRouteProblem(CcrConfig config, RouteTarget route)
    {
        ProviderConfig? provider = config.FindProvider(route.Provider);
        if (provider is null)
        {
            string known = config.Providers.Count == 0 ? "none are defined" : "defined: " + string.Join(", ", config.Providers.Select(p => p.Name));
            return ("UnknownProvider", $"Route '{route}' names provider '{route.Provider}', which is not in Providers ({known}); add a provider named '{route.Provider}' or change the route. Until then this route is skipped.");
        }

        if (!provider.HasModel(route.Model))
        {
            return ("UnknownModel", $"Route '{route}' names model '{route.Model}', which is not in provider '{provider.Name}' models ({string.Join(", ", provider.Models)}); add it to models or use one of those. Until then this route is skipped.");
        }

        return null;
    }

    #endregion

    #region Top-level scalars

    private string? ReadLogLevel(JsonElement root)
    {
        if (!TryGet(root, "$", out JsonElement element, out string path, "LOG_LEVEL"))
        {
            return null;
        }

        string? level = NonEmpty(StringValue(element, path))?.ToLowerInvariant();
        if (level == "warning")
        {
            level = "warn";
        }

        if (level is not null && level is not ("debug" or "info" or "warn" or "error" or "trace" or "fatal"))
        {
            Warning("InvalidLogLevel", path, $"LOG_LEVEL '{level}' is not known; use debug, info, warn or error. Using info.");
            return null;
        }

        return level switch
        {
            "trace" => "debug",
            "fatal" => "error",
            _ => level,
        };
    }

    private PersistenceConfig ReadPersistence(JsonElement root)
    {
        if (!TryGet(root, "$", out JsonElement element, out string path, "Persistence") || element.ValueKind == JsonValueKind.Null)
        {
            return PersistenceConfig.Local;
        }

        // Every problem here is a warning with a fall back to the local store: sharing is an extra, never a reason not to route.
        if (element.ValueKind != JsonValueKind.Object)
        {
            Warning("InvalidPersistence", path, "Persistence must be an object such as { \"mode\": \"redis\", \"redis_url\": \"redis://127.0.0.1:6379/0\" }; counting stays local.");
            return PersistenceConfig.Local;
        }

        string? mode = NonEmpty(ReadString(element, path, "mode"));
        if (mode is null || mode.Equals("local", StringComparison.OrdinalIgnoreCase) || mode.Equals("memory", StringComparison.OrdinalIgnoreCase)
            || mode.Equals("file", StringComparison.OrdinalIgnoreCase))
        {
            return PersistenceConfig.Local;
        }

        if (!mode.Equals("redis", StringComparison.OrdinalIgnoreCase))
        {
            Warning("InvalidPersistence", JsonPaths.Member(path, "mode"), $"Persistence.mode '{mode}' is not known; write \"local\" (the default) or \"redis\". Counting stays local.");
            return PersistenceConfig.Local;
        }

        string urlPath = JsonPaths.Member(path, "redis_url");
        string? url = null;
        if (TryGet(element, path, out JsonElement urlElement, out _, "redis_url") && urlElement.ValueKind == JsonValueKind.String)
        {
            // Values are escaped as they go into the URL, so a password holding '/', '@' or ':' survives parsing.
            var missing = new List<string>();
            url = _variables.Expand(urlElement.GetString() ?? "", missing, Uri.EscapeDataString);
            foreach (string variable in missing)
            {
                Warning("MissingVariable", urlPath, $"Environment variable {variable} is not set, so it expands to an empty value in redis_url; set it in the environment or in .env beside the config.");
            }
        }

        Persistence.RedisEndpoint? endpoint = Persistence.RedisEndpoint.TryParse(url, out string? problem);
        if (endpoint is null)
        {
            Warning("InvalidRedisUrl", urlPath, "Persistence: " + problem + " Counting stays local until it is fixed.");
            return PersistenceConfig.Local;
        }

        if (endpoint.Password is not null)
        {
            Telemetry.SecretRedactor.Register(endpoint.Password);
        }

        string prefix = ReadString(element, path, "redis_prefix") ?? PersistenceConfig.DefaultPrefix;
        return new PersistenceConfig { Mode = PersistenceMode.Redis, Redis = endpoint, Prefix = prefix };
    }

    private string? ReadProxyUrl(JsonElement root)
    {
        if (!TryGet(root, "$", out JsonElement element, out string path, "PROXY_URL"))
        {
            return null;
        }

        string? text = NonEmpty(StringValue(element, path));
        if (text is not null && (!Uri.TryCreate(text, UriKind.Absolute, out Uri? proxy) || (proxy.Scheme != Uri.UriSchemeHttp && proxy.Scheme != Uri.UriSchemeHttps)))
        {
            Error("InvalidProxyUrl", path, $"PROXY_URL '{text}' is not an absolute http(s) URL; write e.g. \"http://127.0.0.1:7890\" or remove it.");
            return null;
        }

        return text;
    }

    #endregion
}
