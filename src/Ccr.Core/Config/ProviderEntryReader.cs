using System.Globalization;
using System.Text.Json;
using Ccr.Core.Providers;

namespace Ccr.Core.Config;

/// <summary>
/// Reads the <c>Providers</c> entries: URL, protocol, key (with its <c>${VAR}</c> source), transformers, quota and
/// headers. What a host expects (key format, interactive-only plans, informational rate-limit headers) comes from
/// its provider family, so this reader names no vendor.
/// </summary>
internal sealed class ProviderEntryReader : ConfigValueReader
{
    public ProviderEntryReader(string? filePath, JsonPositionMap map, VariableResolver variables, List<ConfigDiagnostic> diagnostics)
        : base(filePath, map, variables, diagnostics)
    {
    }

    /// <summary>True once a provider key was written in the file itself rather than as <c>${VAR}</c>.</summary>
    public bool HoldsLiteralSecret { get; private set; }

    public ProviderConfig? ReadProvider(JsonElement entry, string path)
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

        CurrentProvider = name;
        try
        {
            return ReadNamedProvider(entry, path, name);
        }
        finally
        {
            CurrentProvider = null;
        }
    }

    private ProviderConfig? ReadNamedProvider(JsonElement entry, string path, string name)
    {

        if (!TryGet(entry, path, out JsonElement urlElement, out string urlPath, "api_base_url", "base_url", "baseUrl", "api_base"))
        {
            Error("BaseUrlMissing", path, $"Provider '{name}' has no \"api_base_url\"; add the endpoint, e.g. \"{ProviderFamilies.ExampleBaseUrl}\".");
            return null;
        }

        string? urlText = NonEmpty(StringValue(urlElement, urlPath));
        if (urlText is null
            || !Uri.TryCreate(urlText, UriKind.Absolute, out Uri? url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(url.Host))
        {
            Error("InvalidBaseUrl", urlPath, $"Provider '{name}' has api_base_url '{urlText}', which is not an absolute http(s) URL; write the full base, e.g. \"{ProviderFamilies.ExampleBaseUrl}\".");
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

        if (key is not null
            && ProviderFamilies.CheckKey(name, url, key, ProviderRules.KeyHint(key)) is { Verdict: ProviderKeyVerdict.Mismatch } mismatch)
        {
            // A key format is a guess (vendors change prefixes), so it never stops the load and never takes the other
            // tiers down with it: a warning, and the tier shows KeySuspect while it is still tried. A key that merely
            // looks foreign (a gateway's) is quieter still: only Test-CcrProvider mentions it.
            keyState = KeyState.KeySuspect;
            Warning(mismatch.Code ?? "KeySuspect", keyPath, mismatch.Message + " Ccr still sends it; if the host refuses it, the tier fails over like any refused key.");
        }

        ProviderFamily family = ProviderFamilies.ForHost(url);

        (List<string> transformers, Dictionary<string, IReadOnlyList<string>> modelTransformers, int? maxTokensCap) = ReadTransformers(entry, path);

        bool? interactiveOnly = ReadBool(entry, path, "interactive_only", "interactiveOnly");
        bool? honorHeaders = ReadBool(entry, path, "honor_rate_limit_headers", "honorRateLimitHeaders");
        bool? subscription = ReadBool(entry, path, "subscription");

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
            Quota = ReadQuota(entry, path, family.CountsPlanQuota(url)),
            InteractiveOnly = interactiveOnly ?? family.IsInteractiveOnly(url),
            MaxTokensCap = maxTokensCap,
            HonorRateLimitHeaders = honorHeaders ?? !family.HasInformationalRateLimitHeaders,
            Headers = ReadHeaders(entry, path),
            Pricing = ReadPricing(entry, path, name, "pricing"),
            ModelPricing = ReadModelPricing(entry, path, name),
            Subscription = subscription ?? family.IsSubscription(url),
        };
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

    /// <summary>
    /// Reads <c>quota</c>. On a plan host (<paramref name="planHost"/>) a provider without the block, or with one that
    /// sets no limits, still counts against the plan's windows with the limits unknown; <c>"quota": null</c> opts out.
    /// </summary>
    private QuotaConfig? ReadQuota(JsonElement provider, string providerPath, bool planHost)
    {
        if (!TryGet(provider, providerPath, out JsonElement quota, out string path, "quota"))
        {
            return planHost ? QuotaConfig.UnknownPlan : null;
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

        int? fiveHour = ReadInt(quota, path, 0, int.MaxValue, "five_hour", "fiveHour") ?? limits.FiveHour;
        int? weekly = ReadInt(quota, path, 0, int.MaxValue, "weekly") ?? limits.Weekly;
        int? monthly = ReadInt(quota, path, 0, int.MaxValue, "monthly") ?? limits.Monthly;
        int? renewalDay = ReadInt(quota, path, 1, 31, "renewal_day", "renewalDay");
        return new QuotaConfig
        {
            Plan = plan,
            FiveHourLimit = fiveHour,
            WeeklyLimit = weekly,
            MonthlyLimit = monthly,
            RenewalDay = renewalDay ?? 1,
            RenewalDayGiven = renewalDay is not null,
            LimitsUnknown = planHost && fiveHour is null && weekly is null && monthly is null,
        };
    }

    /// <summary>Reads one price object (CCR-Rust's keys); both main prices are required so nothing is silently free.</summary>
    private TokenPricing? ReadPricing(JsonElement parent, string parentPath, string providerName, params string[] names)
    {
        if (!TryGet(parent, parentPath, out JsonElement pricing, out string path, names) || pricing.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return ReadPriceObject(pricing, path, providerName);
    }

    private TokenPricing? ReadPriceObject(JsonElement pricing, string path, string providerName)
    {
        const string Example = "{ \"input_per_million_tokens\": 0.3, \"output_per_million_tokens\": 1.2 }";
        if (pricing.ValueKind != JsonValueKind.Object)
        {
            Error("InvalidType", path, $"Provider '{providerName}': a price must be an object such as {Example} (USD per million tokens).");
            return null;
        }

        double? input = ReadDouble(pricing, path, "input_per_million_tokens", "inputPerMillionTokens");
        double? output = ReadDouble(pricing, path, "output_per_million_tokens", "outputPerMillionTokens");
        double? cacheRead = ReadDouble(pricing, path, "cache_read_per_million_tokens", "cacheReadPerMillionTokens");
        double? cacheWrite = ReadDouble(pricing, path, "cache_write_per_million_tokens", "cacheWritePerMillionTokens");
        if (input is null || output is null)
        {
            Error("PricingIncomplete", path, $"Provider '{providerName}': a price needs both input_per_million_tokens and output_per_million_tokens, e.g. {Example}; add the missing one (0 if it is free).");
            return null;
        }

        foreach ((double? value, string key) in new[] { (input, "input_per_million_tokens"), (output, "output_per_million_tokens"), (cacheRead, "cache_read_per_million_tokens"), (cacheWrite, "cache_write_per_million_tokens") })
        {
            if (value is double d && (d < 0 || !double.IsFinite(d)))
            {
                Error("InvalidPrice", JsonPaths.Member(path, key), $"Provider '{providerName}': {key} is {d.ToString(CultureInfo.InvariantCulture)}; a price is a number of USD per million tokens, 0 or more.");
                return null;
            }
        }

        return new TokenPricing
        {
            InputPerMillionTokens = input.Value,
            OutputPerMillionTokens = output.Value,
            CacheReadPerMillionTokens = cacheRead,
            CacheWritePerMillionTokens = cacheWrite,
        };
    }

    private Dictionary<string, TokenPricing> ReadModelPricing(JsonElement provider, string providerPath, string providerName)
    {
        var prices = new Dictionary<string, TokenPricing>(StringComparer.Ordinal);
        if (!TryGet(provider, providerPath, out JsonElement element, out string path, "model_pricing", "modelPricing") || element.ValueKind == JsonValueKind.Null)
        {
            return prices;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Error("InvalidType", path, $"Provider '{providerName}': model_pricing must be an object of model names to prices, e.g. {{ \"qwen3-coder-plus\": {{ \"input_per_million_tokens\": 0.3, \"output_per_million_tokens\": 1.2 }} }}.");
            return prices;
        }

        foreach (JsonProperty model in element.EnumerateObject())
        {
            if (ReadPriceObject(model.Value, JsonPaths.Member(path, model.Name), providerName) is TokenPricing price)
            {
                prices[model.Name] = price;
            }
        }

        return prices;
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
            Error("InvalidType", path, "headers must be an object of header names to string values, e.g. { \"X-Custom-Header\": \"value\" }.");
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

    public void CheckDuplicateProviders(JsonElement root, List<ProviderConfig> providers)
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
                CurrentProvider = name;
                Error("DuplicateProvider", namePath, $"Provider name '{name}' is already used at {firstPath} (line {line.ToString(CultureInfo.InvariantCulture)}); rename one of them, since routes choose providers by name.");
                CurrentProvider = null;
            }
            else
            {
                firstByName[name] = namePath;
            }
        }

        _ = providers;
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
}
