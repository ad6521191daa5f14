using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ccr.Core.Config;

namespace Ccr.Core.Presets;

/// <summary>
/// Takes every secret out of what <see cref="PresetExporter"/> writes. Three rules, each a net under the one before:
/// a provider's <c>api_key</c> always becomes <c>${&lt;PROVIDER&gt;_API_KEY}</c> (named after the provider, whatever the
/// source held); any other member whose name says it carries a credential (a header such as <c>Authorization</c> or
/// <c>x-api-key</c>, a <c>*_token</c>, a <c>password</c>) becomes <c>${&lt;PROVIDER&gt;_&lt;MEMBER&gt;}</c> unless it only refers to
/// variables; and any string anywhere that still contains a key the source config resolves to has that key replaced
/// by its placeholder (a key pasted into a URL's query, a system prompt).
/// </summary>
internal sealed class SecretScrubber
{
    // Shorter values are too likely to be ordinary words ("ollama", "none") to be replaced inside other strings.
    private const int MinimumKnownSecretLength = 12;

    private readonly List<KeyValuePair<string, string>> _known = new();
    private readonly SortedDictionary<string, string> _variables = new(StringComparer.Ordinal);

    /// <summary>Each placeholder variable the scrubbed output names, with what it stands for.</summary>
    public IReadOnlyDictionary<string, string> Variables => _variables;

    /// <summary>Learns the secrets <paramref name="config"/> resolves to, so none of them can leak through any string.</summary>
    public void LearnSecrets(CcrConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (ProviderConfig provider in config.Providers)
        {
            AddKnown(provider.ApiKey, ProviderEditor.KeyVariableFor(provider.Name));
            foreach (KeyValuePair<string, string> header in provider.Headers)
            {
                if (IsSecretName(header.Key))
                {
                    AddKnown(header.Value, VariableFor(provider.Name, header.Key));
                }
            }
        }

        AddKnown(config.ApiKey, "APIKEY");

        // Longest first, so a key that contains another is replaced whole.
        _known.Sort((a, b) => b.Key.Length.CompareTo(a.Key.Length));
    }

    /// <summary>A provider entry with its key a placeholder and every other credential scrubbed; <paramref name="entry"/> is not changed.</summary>
    public JsonObject ScrubProvider(JsonObject entry, string providerName)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var copy = (JsonObject)entry.DeepClone();
        string keyVariable = ProviderEditor.KeyVariableFor(providerName);
        foreach (string member in MemberNames(copy))
        {
            if (member is "api_key" or "apiKey" or "api_keys")
            {
                // Whatever it was (a literal, another variable, a list), the importer sets one variable named after the provider.
                copy[member] = Placeholder(keyVariable, "the API key of provider '" + providerName + "'");
                continue;
            }

            copy[member] = Scrub(copy[member], providerName, member);
        }

        return copy;
    }

    /// <summary>A preset (or any value) with known secrets and credential-named members scrubbed; <paramref name="node"/> is not changed.</summary>
    public JsonNode? ScrubValue(JsonNode? node, string owner) => Scrub(node?.DeepClone(), owner, null);

    /// <summary>The variable a credential member of <paramref name="provider"/> becomes: both names in capitals, joined by <c>_</c>.</summary>
    public static string VariableFor(string provider, string member)
    {
        string key = ProviderEditor.KeyVariableFor(provider);
        var name = new StringBuilder(key, 0, key.Length - "API_KEY".Length, key.Length + member.Length);
        foreach (char c in member)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        return name.ToString();
    }

    /// <summary>Whether a member or header name says its value is a credential.</summary>
    public static bool IsSecretName(string name)
    {
        string lower = name.ToLowerInvariant();
        return lower is "authorization" or "proxy-authorization" or "cookie"
            || lower.EndsWith("key", StringComparison.Ordinal) || lower.EndsWith("keys", StringComparison.Ordinal)
            || lower.EndsWith("token", StringComparison.Ordinal) || lower.Contains("secret", StringComparison.Ordinal)
            || lower.Contains("password", StringComparison.Ordinal) || lower.Contains("passwd", StringComparison.Ordinal)
            || lower.Contains("credential", StringComparison.Ordinal) || lower.Contains("api_key", StringComparison.Ordinal)
            || lower.Contains("api-key", StringComparison.Ordinal) || lower.Contains("apikey", StringComparison.Ordinal);
    }

    private JsonNode? Scrub(JsonNode? node, string owner, string? memberName)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (string member in MemberNames(obj))
                {
                    obj[member] = Scrub(obj[member], owner, member);
                }

                return obj;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    JsonNode? element = array[i];
                    array[i] = null;
                    array[i] = Scrub(element, owner, memberName);
                }

                return array;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                string text = value.GetValue<string>();
                if (memberName is not null && IsSecretName(memberName) && !OnlyRefersToVariables(text))
                {
                    return Placeholder(VariableFor(owner, memberName), "'" + memberName + "' of '" + owner + "'");
                }

                string scrubbed = ReplaceKnown(text);
                NoteReferencedVariables(scrubbed, owner);
                return ReferenceEquals(scrubbed, text) ? value : JsonValue.Create(scrubbed);
            default:
                return node;
        }
    }

    private string ReplaceKnown(string text)
    {
        string result = text;
        foreach (KeyValuePair<string, string> known in _known)
        {
            if (result.Contains(known.Key, StringComparison.Ordinal))
            {
                result = result.Replace(known.Key, "${" + known.Value + "}", StringComparison.Ordinal);
                _variables.TryAdd(known.Value, "a secret the source config held");
            }
        }

        return result;
    }

    /// <summary>True when the text holds <c>${VAR}</c> references and no known secret, so it carries no credential itself.</summary>
    private bool OnlyRefersToVariables(string text)
    {
        if (!text.Contains("${", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (KeyValuePair<string, string> known in _known)
        {
            if (text.Contains(known.Key, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private void NoteReferencedVariables(string text, string owner)
    {
        int start = 0;
        while ((start = text.IndexOf("${", start, StringComparison.Ordinal)) >= 0)
        {
            int end = text.IndexOf('}', start + 2);
            if (end < 0)
            {
                return;
            }

            _variables.TryAdd(text[(start + 2)..end], "referred to by '" + owner + "' in the source config");
            start = end + 1;
        }
    }

    private JsonValue Placeholder(string variable, string meaning)
    {
        _variables[variable] = meaning;
        return JsonValue.Create("${" + variable + "}");
    }

    private void AddKnown(string? secret, string variable)
    {
        if (secret is { Length: >= MinimumKnownSecretLength })
        {
            _known.Add(new KeyValuePair<string, string>(secret, variable));
        }
    }

    private static List<string> MemberNames(JsonObject obj)
    {
        var names = new List<string>(obj.Count);
        foreach (KeyValuePair<string, JsonNode?> member in obj)
        {
            names.Add(member.Key);
        }

        return names;
    }
}
