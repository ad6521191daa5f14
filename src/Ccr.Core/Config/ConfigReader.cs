using System.Globalization;
using System.Text.Json;

namespace Ccr.Core.Config;

/// <summary>
/// Binds a parsed config document to the model: one instance per load, collecting diagnostics as it goes.
/// Every value is located through the <see cref="JsonPositionMap"/> so a diagnostic can name line and column.
/// </summary>
internal sealed class ConfigReader
{
    private readonly string? _filePath;
    private readonly JsonPositionMap _map;
    private readonly VariableResolver _variables;
    private readonly List<ConfigDiagnostic> _diagnostics;

    public ConfigReader(string? filePath, JsonPositionMap map, VariableResolver variables, List<ConfigDiagnostic> diagnostics)
    {
        _filePath = filePath;
        _map = map;
        _variables = variables;
        _diagnostics = diagnostics;
    }

    /// <summary>True once a provider key or APIKEY was written in the file itself rather than as <c>${VAR}</c>.</summary>
    public bool HoldsLiteralSecret { get; private set; }

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
                    ProviderConfig? provider = ReadProvider(entry, JsonPaths.Index(providersPath, index));
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
            ProxyUrl = ReadProxyUrl(root),
            NonInteractiveMode = ReadBool(root, "NON_INTERACTIVE_MODE") ?? defaults.NonInteractiveMode,
            MaxBodyBytes = ReadLong(root, "MAX_BODY_BYTES", 1, long.MaxValue) ?? defaults.MaxBodyBytes,
            MaxConcurrentRequests = ReadInt(root, "MAX_CONCURRENT_REQUESTS", 1, int.MaxValue) ?? defaults.MaxConcurrentRequests,
            MaxHeaderBytes = ReadInt(root, "MAX_HEADER_BYTES", 1024, 16 * 1024 * 1024) ?? defaults.MaxHeaderBytes,
            HeadersTimeoutMs = ReadInt(root, "HEADERS_TIMEOUT_MS", 100, int.MaxValue) ?? defaults.HeadersTimeoutMs,
            BodyTimeoutMs = ReadInt(root, "BODY_TIMEOUT_MS", 100, int.MaxValue) ?? defaults.BodyTimeoutMs,
            KeepAliveTimeoutMs = ReadInt(root, "KEEPALIVE_TIMEOUT_MS", 100, int.MaxValue) ?? defaults.KeepAliveTimeoutMs,
            StreamWriteTimeoutMs = ReadInt(root, "STREAM_WRITE_TIMEOUT_MS", 100, int.MaxValue) ?? defaults.StreamWriteTimeoutMs,
        };

        CheckDuplicateProviders(root, providers);
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
            HoldsLiteralSecret = true;
        }

        return key;
    }

    private static string SuggestVariable(string providerName)
    {
        var name = new System.Text.StringBuilder(providerName.Length + 8);
        foreach (char c in providerName)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        return name.Append("_API_KEY").ToString();
    }

    #region Providers

    private ProviderConfig? ReadProvider(JsonElement entry, string path)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            Error("InvalidType", path, "Each provider must be an object with at least \"name\" and \"api_base_url\".");
            return null;
        }

        string? name = NonEmpty(ReadString(entry, path, "name"));
        if (name is null)
        {
            Error("ProviderNameMissing", path, "This provider has no \"name\"; add one (routes refer to providers by name, e.g. \"qwen\").");
            return null;
        }

        if (!TryGet(entry, path, out JsonElement urlElement, out string urlPath, "api_base_url", "base_url", "baseUrl", "api_base"))
        {
            Error("BaseUrlMissing", path, $"Provider '{name}' has no \"api_base_url\"; add the endpoint, e.g. \"https://coding-intl.dashscope.aliyuncs.com/v1\".");
            return null;
        }

        string? urlText = NonEmpty(StringValue(urlElement, urlPath));
        if (urlText is null
            || !Uri.TryCreate(urlText, UriKind.Absolute, out Uri? url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(url.Host))
        {
            Error("InvalidBaseUrl", urlPath, $"Provider '{name}' has api_base_url '{urlText}', which is not an absolute http(s) URL; write the full base, e.g. \"https://coding-intl.dashscope.aliyuncs.com/v1\".");
            return null;
        }

        string? explicitProtocol = null;
        if (TryGet(entry, path, out JsonElement protocolElement, out string protocolPath, "protocol"))
        {
            explicitProtocol = NonEmpty(StringValue(protocolElement, protocolPath));
            if (explicitProtocol is not null
                && !explicitProtocol.Equals("openai", StringComparison.OrdinalIgnoreCase)
                && !explicitProtocol.Equals("anthropic", StringComparison.OrdinalIgnoreCase))
            {
                Error("InvalidProtocol", protocolPath, $"Provider '{name}' has protocol '{explicitProtocol}'; use \"openai\" or \"anthropic\", or remove the key to infer it from the URL.");
                explicitProtocol = null;
            }
        }

        (WireProtocol protocol, string reason) = ProviderRules.ChooseProtocol(explicitProtocol, url);

        string? keyTemplate = null;
        string? key = null;
        KeyState keyState = KeyState.Ok;
        string? missingVariable = null;
        if (TryGet(entry, path, out JsonElement keyElement, out string keyPath, "api_key", "apiKey", "api_keys"))
        {
            keyTemplate = keyElement.ValueKind == JsonValueKind.String ? keyElement.GetString() : null;
            if (keyTemplate is not null)
            {
                var missing = new List<string>();
                key = _variables.Expand(keyTemplate, missing);
                if (missing.Count > 0)
                {
                    keyState = KeyState.KeyMissing;
                    missingVariable = missing[0];
                    key = null;
                    string sources = _variables.SourceDescription.Count == 0 ? "the environment" : "the environment and " + string.Join(", ", _variables.SourceDescription);
                    Warning("KeyMissing", keyPath, $"Provider '{name}' has no key: environment variable {missingVariable} is not set (looked in {sources}). Set {missingVariable} or add it to .env beside the config; until then the provider is skipped.");
                }
                else if (key.Length == 0)
                {
                    key = null;
                }
                else if (string.Equals(key, keyTemplate, StringComparison.Ordinal))
                {
                    HoldsLiteralSecret = true;
                    Warning("LiteralApiKey", keyPath, $"Provider '{name}' has its API key written in the config file ({ProviderRules.KeyHint(key)}). Move it to an environment variable or to .env beside the config and write \"api_key\": \"${{{SuggestVariable(name)}}}\" instead, so the file can be shared and backed up safely.");
                }
            }
            else if (keyElement.ValueKind != JsonValueKind.Null)
            {
                Error("InvalidType", keyPath, $"Provider '{name}' api_key must be a string, e.g. \"${{QWEN_API_KEY}}\".");
            }
        }

        if (key is not null)
        {
            CheckKeyMatchesHost(name, url, key, keyPath);
        }

        (List<string> transformers, Dictionary<string, IReadOnlyList<string>> modelTransformers, int? maxTokensCap) = ReadTransformers(entry, path);

        bool? interactiveOnly = ReadBool(entry, path, "interactive_only", "interactiveOnly");
        bool? honorHeaders = ReadBool(entry, path, "honor_rate_limit_headers", "honorRateLimitHeaders");

        return new ProviderConfig
        {
            Name = name,
            ApiBaseUrl = urlText,
            Endpoint = ProviderRules.BuildEndpoint(url, protocol),
            Protocol = protocol,
            ProtocolReason = reason,
            ApiKey = key,
            ApiKeyTemplate = keyTemplate,
            KeyState = keyState,
            MissingVariable = missingVariable,
            KeyHint = ProviderRules.KeyHint(key),
            Models = ReadStringList(entry, path, "models"),
            Transformers = transformers,
            ModelTransformers = modelTransformers,
            TierName = NonEmpty(ReadString(entry, path, "tier_name", "tierName")),
            Quota = ReadQuota(entry, path),
            InteractiveOnly = interactiveOnly ?? ProviderRules.IsCodingPlanHost(url),
            MaxTokensCap = maxTokensCap,
            HonorRateLimitHeaders = honorHeaders ?? !ProviderRules.HasInformationalRateLimitHeaders(url),
            Headers = ReadHeaders(entry, path),
        };
    }

    private void CheckKeyMatchesHost(string name, Uri url, string key, string keyPath)
    {
        if (ProviderRules.IsCodingPlanHost(url) && !key.StartsWith("sk-sp-", StringComparison.Ordinal))
        {
            Error("CodingPlanKeyMismatch", keyPath, $"Provider '{name}' points at {url.Host} with a key that does not start with sk-sp- ({ProviderRules.KeyHint(key)}). Coding Plan endpoints need the plan key sk-sp-…; a standard Model Studio key belongs on dashscope-intl.aliyuncs.com.");
        }
        else if (ProviderRules.IsStandardDashScopeHost(url) && key.StartsWith("sk-sp-", StringComparison.Ordinal))
        {
            Error("StandardKeyMismatch", keyPath, $"Provider '{name}' points at {url.Host} with a Coding Plan key (sk-sp-…). The plan key works only on coding-intl.dashscope.aliyuncs.com; change api_base_url to https://coding-intl.dashscope.aliyuncs.com/v1 or use a standard Model Studio key.");
        }
    }

    private (List<string> Names, Dictionary<string, IReadOnlyList<string>> PerModel, int? MaxTokensCap) ReadTransformers(JsonElement provider, string providerPath)
    {
        var names = new List<string>();
        var perModel = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        int? cap = null;
        if (!TryGet(provider, providerPath, out JsonElement transformer, out string path, "transformer", "transformers"))
        {
            return (names, perModel, cap);
        }

        if (transformer.ValueKind == JsonValueKind.Array)
        {
            // Some pasted configs put the use-list directly under "transformer".
            ReadUseList(transformer, path, names, ref cap);
            return (names, perModel, cap);
        }

        if (transformer.ValueKind != JsonValueKind.Object)
        {
            Error("InvalidType", path, "transformer must be an object such as { \"use\": [\"maxtoken\"] }.");
            return (names, perModel, cap);
        }

        foreach (JsonProperty member in transformer.EnumerateObject())
        {
            string memberPath = JsonPaths.Member(path, member.Name);
            if (member.Name == "use")
            {
                ReadUseList(member.Value, memberPath, names, ref cap);
            }
            else if (member.Value.ValueKind == JsonValueKind.Object
                && member.Value.TryGetProperty("use", out JsonElement modelUse))
            {
                var modelNames = new List<string>();
                int? ignoredCap = null;
                ReadUseList(modelUse, JsonPaths.Member(memberPath, "use"), modelNames, ref ignoredCap);
                perModel[member.Name] = modelNames;
            }
        }

        return (names, perModel, cap);
    }

    private void ReadUseList(JsonElement use, string path, List<string> names, ref int? cap)
    {
        if (use.ValueKind != JsonValueKind.Array)
        {
            Error("InvalidType", path, "transformer use must be an array of names or [name, options] pairs, e.g. [\"anthropic\", [\"maxtoken\", { \"max_tokens\": 65536 }]].");
            return;
        }

        int index = 0;
        foreach (JsonElement item in use.EnumerateArray())
        {
            string itemPath = JsonPaths.Index(path, index++);
            string? name = null;
            if (item.ValueKind == JsonValueKind.String)
            {
                name = StringValue(item, itemPath);
            }
            else if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() > 0 && item[0].ValueKind == JsonValueKind.String)
            {
                name = StringValue(item[0], JsonPaths.Index(itemPath, 0));
                if (string.Equals(name, "maxtoken", StringComparison.OrdinalIgnoreCase)
                    && item.GetArrayLength() > 1
                    && item[1].ValueKind == JsonValueKind.Object)
                {
                    cap = ReadInt(item[1], JsonPaths.Index(itemPath, 1), 1, int.MaxValue, "max_tokens") ?? cap;
                }
            }
            else
            {
                Error("InvalidType", itemPath, "A transformer entry must be a name (\"maxtoken\") or a [name, options] pair ([\"maxtoken\", { \"max_tokens\": 65536 }]).");
                continue;
            }

            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            names.Add(name);
            if (!ProviderRules.s_knownTransformers.Contains(name))
            {
                Warning("UnknownTransformer", itemPath, $"Transformer '{name}' is not one Ccr knows, so it does nothing; check the spelling or remove it. Known: {string.Join(", ", ProviderRules.s_knownTransformers.Order(StringComparer.Ordinal))}.");
            }
        }
    }

    private QuotaConfig? ReadQuota(JsonElement provider, string providerPath)
    {
        if (!TryGet(provider, providerPath, out JsonElement quota, out string path, "quota"))
        {
            return null;
        }

        if (quota.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (quota.ValueKind != JsonValueKind.Object)
        {
            Error("InvalidType", path, "quota must be an object such as { \"plan\": \"pro\" } or { \"five_hour\": 1200, \"weekly\": 9000, \"monthly\": 18000, \"renewal_day\": 1 }.");
            return null;
        }

        string? plan = NonEmpty(ReadString(quota, path, "plan"))?.ToLowerInvariant();
        (int? FiveHour, int? Weekly, int? Monthly) limits = plan switch
        {
            null => (null, null, null),
            "lite" => (1200, 9000, 18000),
            "pro" => (6000, 45000, 90000),
            _ => (null, null, null),
        };
        if (plan is not null && plan != "lite" && plan != "pro")
        {
            Error("InvalidQuotaPlan", JsonPaths.Member(path, "plan"), $"Quota plan '{plan}' is not known; use \"lite\" (1200/9000/18000) or \"pro\" (6000/45000/90000), or give five_hour, weekly and monthly numbers.");
        }

        return new QuotaConfig
        {
            Plan = plan,
            FiveHourLimit = ReadInt(quota, path, 0, int.MaxValue, "five_hour", "fiveHour") ?? limits.FiveHour,
            WeeklyLimit = ReadInt(quota, path, 0, int.MaxValue, "weekly") ?? limits.Weekly,
            MonthlyLimit = ReadInt(quota, path, 0, int.MaxValue, "monthly") ?? limits.Monthly,
            RenewalDay = ReadInt(quota, path, 1, 31, "renewal_day", "renewalDay") ?? 1,
        };
    }

    private Dictionary<string, string> ReadHeaders(JsonElement provider, string providerPath)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!TryGet(provider, providerPath, out JsonElement element, out string path, "headers"))
        {
            return headers;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error("InvalidType", path, "headers must be an object of header names to string values, e.g. { \"X-DashScope-SSE\": \"enable\" }.");
            return headers;
        }

        foreach (JsonProperty header in element.EnumerateObject())
        {
            string? value = StringValue(header.Value, JsonPaths.Member(path, header.Name));
            if (value is not null)
            {
                headers[header.Name] = value;
            }
        }

        return headers;
    }

    private void CheckDuplicateProviders(JsonElement root, List<ProviderConfig> providers)
    {
        if (!TryGet(root, "$", out JsonElement array, out string path, "Providers") || array.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var firstByName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int index = 0;
        foreach (JsonElement entry in array.EnumerateArray())
        {
            string entryPath = JsonPaths.Index(path, index++);
            if (entry.ValueKind != JsonValueKind.Object
                || !TryGet(entry, entryPath, out JsonElement nameElement, out string namePath, "name")
                || nameElement.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            string name = nameElement.GetString() ?? "";
            if (firstByName.TryGetValue(name, out string? firstPath))
            {
                (int line, _) = _map.Locate(firstPath);
                Error("DuplicateProvider", namePath, $"Provider name '{name}' is already used at {firstPath} (line {line.ToString(CultureInfo.InvariantCulture)}); rename one of them, since routes choose providers by name.");
            }
            else
            {
                firstByName[name] = namePath;
            }
        }

        _ = providers;
    }

    #endregion

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
                ReadDouble(tier.Value, tierPath, "backoff_multiplier") ?? d.BackoffMultiplier);
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

    /// <summary>Routes naming unknown providers or models load (the seed's own example does this) but are reported.</summary>
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

    #region Typed value readers

    /// <summary>Finds a member by its names in order (exact first, then case-insensitive, so claude-code-router's spellings work).</summary>
    private static bool TryGet(JsonElement obj, string parentPath, out JsonElement value, out string path, params string[] names)
    {
        value = default;
        path = parentPath;
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (string name in names)
        {
            if (obj.TryGetProperty(name, out value))
            {
                path = JsonPaths.Member(parentPath, name);
                return true;
            }
        }

        foreach (JsonProperty property in obj.EnumerateObject())
        {
            foreach (string name in names)
            {
                if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = property.Value;
                    path = JsonPaths.Member(parentPath, property.Name);
                    return true;
                }
            }
        }

        return false;
    }

    private string? ReadString(JsonElement root, string name) => ReadString(root, "$", name);

    private string? ReadString(JsonElement obj, string parentPath, params string[] names) =>
        TryGet(obj, parentPath, out JsonElement value, out string path, names) ? StringValue(value, path) : null;

    private string? StringValue(JsonElement value, string path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var missing = new List<string>();
                string expanded = _variables.Expand(value.GetString() ?? "", missing);
                foreach (string variable in missing)
                {
                    Warning("MissingVariable", path, $"Environment variable {variable} is not set, so it expands to an empty value here; set it in the environment or in .env beside the config.");
                }

                return expanded;
            case JsonValueKind.Number:
            case JsonValueKind.True:
            case JsonValueKind.False:
                return value.GetRawText();
            case JsonValueKind.Null:
                return null;
            default:
                Error("InvalidType", path, $"Expected a string here, found {Describe(value.ValueKind)}.");
                return null;
        }
    }

    private List<string> ReadStringList(JsonElement obj, string parentPath, string name)
    {
        var list = new List<string>();
        if (!TryGet(obj, parentPath, out JsonElement value, out string path, name))
        {
            return list;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            list.Add(StringValue(value, path) ?? "");
            return list;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Error("InvalidType", path, $"{name} must be an array of strings, e.g. [\"qwen3-coder-plus\", \"qwen3-max-2026-01-23\"].");
            return list;
        }

        int index = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            string? text = StringValue(item, JsonPaths.Index(path, index++));
            if (!string.IsNullOrEmpty(text))
            {
                list.Add(text);
            }
        }

        return list;
    }

    private bool? ReadBool(JsonElement root, string name) => ReadBool(root, "$", name);

    private bool? ReadBool(JsonElement obj, string parentPath, params string[] names)
    {
        if (!TryGet(obj, parentPath, out JsonElement value, out string path, names))
        {
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                string text = StringValue(value, path) ?? "";
                if (bool.TryParse(text.Trim(), out bool parsed))
                {
                    Warning("BooleanAsString", path, $"\"{text}\" is a string; write {(parsed ? "true" : "false")} without quotes.");
                    return parsed;
                }

                break;
        }

        Error("InvalidType", path, $"Expected true or false here, found {Describe(value.ValueKind)}.");
        return null;
    }

    private int? ReadInt(JsonElement root, string name, int min, int max) => ReadInt(root, "$", min, max, name);

    private int? ReadInt(JsonElement obj, string parentPath, int min, int max, params string[] names)
    {
        long? value = ReadLongCore(obj, parentPath, min, max, names);
        return value is long v ? (int)v : null;
    }

    private long? ReadLong(JsonElement root, string name, long min, long max) => ReadLongCore(root, "$", min, max, name);

    private long? ReadLongCore(JsonElement obj, string parentPath, long min, long max, params string[] names)
    {
        if (!TryGet(obj, parentPath, out JsonElement value, out string path, names))
        {
            return null;
        }

        long parsed;
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (!value.TryGetInt64(out parsed))
            {
                Error("InvalidNumber", path, $"{value.GetRawText()} is not a whole number; write an integer between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}.");
                return null;
            }
        }
        else if (value.ValueKind == JsonValueKind.String)
        {
            string text = StringValue(value, path) ?? "";
            if (!long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out parsed))
            {
                Error("InvalidNumber", path, $"\"{text}\" is not a whole number; write an integer without quotes.");
                return null;
            }

            Warning("NumberAsString", path, $"\"{text}\" is a string; it is read as {parsed.ToString(CultureInfo.InvariantCulture)}, but write it without quotes.");
        }
        else if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        else
        {
            Error("InvalidType", path, $"Expected a number here, found {Describe(value.ValueKind)}.");
            return null;
        }

        if (parsed < min || parsed > max)
        {
            Error("OutOfRange", path, $"{parsed.ToString(CultureInfo.InvariantCulture)} is out of range; use a value from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
            return null;
        }

        return parsed;
    }

    private double? ReadDouble(JsonElement obj, string parentPath, params string[] names)
    {
        if (!TryGet(obj, parentPath, out JsonElement value, out string path, names))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetDouble();
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            string text = StringValue(value, path) ?? "";
            if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed))
            {
                Warning("NumberAsString", path, $"\"{text}\" is a string; it is read as {parsed.ToString(CultureInfo.InvariantCulture)}, but write it without quotes.");
                return parsed;
            }

            Error("InvalidNumber", path, $"\"{text}\" is not a number; write e.g. 0.7 without quotes.");
            return null;
        }

        if (value.ValueKind != JsonValueKind.Null)
        {
            Error("InvalidType", path, $"Expected a number here, found {Describe(value.ValueKind)}.");
        }

        return null;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    #endregion

    private void Error(string code, string path, string message) => _diagnostics.Add(Diagnostic(DiagnosticSeverity.Error, code, path, message));

    private void Warning(string code, string path, string message) => _diagnostics.Add(Diagnostic(DiagnosticSeverity.Warning, code, path, message));

    private ConfigDiagnostic Diagnostic(DiagnosticSeverity severity, string code, string path, string message)
    {
        (int line, int column) = _map.Locate(path);
        return new ConfigDiagnostic(severity, code, message, _filePath, line, column, path);
    }
}
