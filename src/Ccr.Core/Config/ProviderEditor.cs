using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Ccr.Core.Config;

/// <summary>
/// Adds, changes and removes entries of <c>Providers</c> through <see cref="ConfigEditor.Update"/>: under the
/// config's lock, only the touched members change (comments and the rest of the file stay byte for byte), the
/// result must load, and it is written atomically, so a refused or failed edit leaves the file as it was.
/// </summary>
public static class ProviderEditor
{
    private static readonly string[] s_providers = { "Providers" };

    /// <summary>The variable a provider's key goes in when it has none yet: its name in capitals, <c>_API_KEY</c> appended (<c>my-gateway</c> → <c>MY_GATEWAY_API_KEY</c>).</summary>
    /// <param name="providerName">The provider's name.</param>
    public static string KeyVariableFor(string providerName)
    {
        ArgumentNullException.ThrowIfNull(providerName);
        var name = new StringBuilder(providerName.Length + 8);
        foreach (char c in providerName)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            name.Insert(0, '_');
        }

        return name.Append("_API_KEY").ToString();
    }

    /// <summary>
    /// The variable <paramref name="providerName"/>'s <c>api_key</c> already refers to (<c>${SOME_KEY}</c> → <c>SOME_KEY</c>),
    /// else <see cref="KeyVariableFor"/>; so a new key replaces the old one in the same variable.
    /// </summary>
    /// <param name="configPath">The config file.</param>
    /// <param name="providerName">The provider's name.</param>
    public static string KeyVariableOf(string configPath, string providerName)
    {
        ArgumentNullException.ThrowIfNull(configPath);
        if (File.Exists(configPath))
        {
            ConfigDocument document = ConfigDocument.Parse(ReadText(configPath), configPath);
            if (FindProvider(document, providerName) is string element
                && document.ValueAt(element) is JsonObject entry
                && entry["api_key"] is JsonValue key
                && key.TryGetValue(out string? template))
            {
                string trimmed = template.Trim();
                if (trimmed.StartsWith("${", StringComparison.Ordinal) && trimmed.EndsWith('}') && trimmed.Length > 3)
                {
                    return trimmed[2..^1];
                }
            }
        }

        return KeyVariableFor(providerName);
    }

    /// <summary>Adds the provider, or changes the given fields of the existing one; other members and providers stay as written.</summary>
    /// <param name="configPath">The config file.</param>
    /// <param name="change">The provider and the fields to set.</param>
    /// <param name="options">Lock timeout, dry run, variable sources.</param>
    public static ConfigEditResult SetProvider(string configPath, ProviderChange change, ConfigEditOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(change);
        return ConfigEditor.Update(configPath, document => Apply(document, change, configPath), null, options);
    }

    /// <summary>
    /// Removes the provider. While routes, tiers, fallbacks or presets use it the edit is refused (ProviderInUse,
    /// naming each use) unless <paramref name="force"/>, which removes it anyway and leaves those routes to be skipped.
    /// </summary>
    /// <param name="configPath">The config file.</param>
    /// <param name="name">The provider's name (ignoring case).</param>
    /// <param name="force">Remove even while it is used.</param>
    /// <param name="options">Lock timeout, dry run, variable sources.</param>
    public static ConfigEditResult RemoveProvider(string configPath, string name, bool force, ConfigEditOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ConfigEditor.Update(
            configPath,
            document =>
            {
                string element = FindProvider(document, name)
                    ?? throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "ProviderNotFound", $"There is no provider '{name}' in Providers; Get-CcrTier or Test-CcrProvider -Offline list the providers.", configPath, 0, 0, "$.Providers"));
                if (!force)
                {
                    ConfigLoadResult before = ConfigLoader.LoadCore(document.Text, configPath, options?.LoadOptions ?? new ConfigLoadOptions(), out _);
                    if (before.Config is not null)
                    {
                        IReadOnlyList<string> uses = UsesOf(before.Config, name);
                        if (uses.Count > 0)
                        {
                            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "ProviderInUse", $"Provider '{name}' is still used by {string.Join(", ", uses)}. Change or remove those first (Remove-CcrTier, Set-CcrPreset), or add -Force to remove it anyway and leave them to be skipped. The file was not changed.", configPath, 0, 0, element));
                        }
                    }
                }

                document.RemoveAt(element);
            },
            null,
            options);
    }

    /// <summary>Where <paramref name="config"/> routes to provider <paramref name="name"/>: <c>Router.default</c>, <c>Router.tiers[1]</c>, <c>preset 'x'</c>...</summary>
    /// <param name="config">A loaded config.</param>
    /// <param name="name">The provider's name (ignoring case).</param>
    public static IReadOnlyList<string> UsesOf(CcrConfig config, string name)
    {
        ArgumentNullException.ThrowIfNull(config);
        var uses = new List<string>();
        void Check(RouteTarget? route, string where)
        {
            if (route is RouteTarget r && string.Equals(r.Provider, name, StringComparison.OrdinalIgnoreCase))
            {
                uses.Add(where);
            }
        }

        RouterConfig router = config.Router;
        Check(router.Default, "Router.default");
        Check(router.Background, "Router.background");
        Check(router.Think, "Router.think");
        Check(router.LongContext, "Router.longContext");
        Check(router.WebSearch, "Router.webSearch");
        for (int i = 0; i < router.Tiers.Count; i++)
        {
            Check(router.Tiers[i], "Router.tiers[" + i.ToString(CultureInfo.InvariantCulture) + "]");
        }

        foreach (KeyValuePair<string, IReadOnlyList<RouteTarget>> fallback in router.Fallback)
        {
            foreach (RouteTarget route in fallback.Value)
            {
                Check(route, "fallback." + fallback.Key);
            }
        }

        foreach (PresetConfig preset in config.Presets.Values)
        {
            Check(preset.Route, "preset '" + preset.Name + "'");
        }

        return uses;
    }

    private static void Apply(ConfigDocument document, ProviderChange change, string configPath)
    {
        string? element = FindProvider(document, change.Name);
        if (element is null)
        {
            if (change.BaseUrl is null || change.Models is null || change.Models.Count == 0)
            {
                throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "ProviderIncomplete", $"Provider '{change.Name}' does not exist yet, so it needs a base URL and at least one model, e.g. -BaseUrl https://api.example.com/v1 -Model model-name.", configPath, 0, 0, "$.Providers"));
            }

            var entry = new JsonObject
            {
                ["name"] = change.Name,
                ["api_base_url"] = change.BaseUrl,
            };
            if (change.KeyVariable is not null)
            {
                entry["api_key"] = "${" + change.KeyVariable + "}";
            }

            entry["models"] = ToArray(change.Models);
            if (change.TierName is not null)
            {
                entry["tier_name"] = change.TierName;
            }

            if (change.Plan is QuotaPlan plan)
            {
                entry["quota"] = new JsonObject { ["plan"] = ConfigTemplateWriter.PlanName(plan) };
            }

            if (change.InputPricePerMillion is not null || change.OutputPricePerMillion is not null)
            {
                entry["pricing"] = Pricing(change, configPath);
            }

            if (document.ElementsOf(s_providers).Count == 0 && !document.Contains(s_providers))
            {
                document.SetValue(s_providers, new JsonArray(entry));
            }
            else
            {
                document.InsertElement(document.JsonPathOf(s_providers), int.MaxValue, entry);
            }

            return;
        }

        if (change.BaseUrl is not null)
        {
            document.SetMember(element, "api_base_url", change.BaseUrl);
        }

        if (change.KeyVariable is not null)
        {
            document.SetMember(element, "api_key", "${" + change.KeyVariable + "}");
        }

        if (change.Models is not null)
        {
            document.SetMember(element, "models", ToArray(change.Models));
        }

        if (change.TierName is not null)
        {
            document.SetMember(element, "tier_name", change.TierName);
        }

        if (change.Plan is QuotaPlan quotaPlan)
        {
            SetNested(document, element, "quota", "plan", ConfigTemplateWriter.PlanName(quotaPlan));
        }

        if (change.InputPricePerMillion is double input)
        {
            SetPrice(document, element, change, "input_per_million_tokens", input, configPath);
        }

        if (change.OutputPricePerMillion is double output)
        {
            SetPrice(document, element, change, "output_per_million_tokens", output, configPath);
        }
    }

    private static void SetPrice(ConfigDocument document, string element, ProviderChange change, string member, double value, string configPath)
    {
        string? pricing = document.MemberPath(element, "pricing");
        if (pricing is null || document.ValueAt(pricing) is not JsonObject)
        {
            document.SetMember(element, "pricing", Pricing(change, configPath));
            return;
        }

        document.SetMember(pricing, member, JsonValue.Create(value));
    }

    private static JsonObject Pricing(ProviderChange change, string configPath)
    {
        if (change.InputPricePerMillion is null || change.OutputPricePerMillion is null)
        {
            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "PricingIncomplete", $"Provider '{change.Name}' has no pricing yet, so give both prices: -InputPricePerMillion and -OutputPricePerMillion (USD per million tokens; 0 when free).", configPath, 0, 0, "$.Providers"));
        }

        return new JsonObject
        {
            ["input_per_million_tokens"] = change.InputPricePerMillion.Value,
            ["output_per_million_tokens"] = change.OutputPricePerMillion.Value,
        };
    }

    private static void SetNested(ConfigDocument document, string element, string objectName, string member, string value)
    {
        string? inner = document.MemberPath(element, objectName);
        if (inner is not null && document.ValueAt(inner) is JsonObject)
        {
            document.SetMember(inner, member, value);
            return;
        }

        document.SetMember(element, objectName, new JsonObject { [member] = value });
    }

    private static JsonArray ToArray(IReadOnlyList<string> items)
    {
        var array = new JsonArray();
        foreach (string item in items)
        {
            array.Add(item);
        }

        return array;
    }

    /// <summary>The JSON path of the <c>Providers</c> element named <paramref name="name"/> (exactly, then ignoring case), or null.</summary>
    internal static string? FindProvider(ConfigDocument document, string name)
    {
        string? match = null;
        foreach (string element in document.ElementsOf(s_providers))
        {
            if (document.ValueAt(element) is JsonObject entry && entry["name"] is JsonValue value && value.TryGetValue(out string? entryName))
            {
                if (string.Equals(entryName, name, StringComparison.Ordinal))
                {
                    return element;
                }

                if (match is null && string.Equals(entryName, name, StringComparison.OrdinalIgnoreCase))
                {
                    match = element;
                }
            }
        }

        return match;
    }

    private static string ReadText(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bool hasBom = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF;
        return new UTF8Encoding(false).GetString(bytes, hasBom ? 3 : 0, bytes.Length - (hasBom ? 3 : 0));
    }
}
