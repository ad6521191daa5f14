using System.Net.Http.Headers;
using Ccr.Core.Config;

namespace Ccr.Core.Providers;

/// <summary>A provider's quirks, worked out once per provider per config load from its transformer names and host.</summary>
internal sealed class ProviderProfile
{
    /// <summary>Anthropic-protocol upstreams require max_tokens; used when neither the body nor a preset gives one.</summary>
    public const int AnthropicDefaultMaxTokens = 8192;

    // claude-code-router and CCR-Rust names that need no work here, plus every family's own names.
    private static readonly HashSet<string> s_knownNoOps = ProviderFamilies.WithTransformerNames(new(StringComparer.OrdinalIgnoreCase)
    {
        "anthropic", "openai", "gemini", "vertex-gemini", "vertex-claude", "groq", "tooluse", "enhancetool", "reasoning",
        "sampling", "customparams", "streamoptions", "maxtoken", "cleancache", "maxcompletiontokens",
    });

    private readonly Dictionary<string, string> _configHeaders = new(StringComparer.OrdinalIgnoreCase);

    private ProviderProfile(ProviderFamily family)
    {
        Family = family;
    }

    /// <summary>The provider family whose quirks this profile carries.</summary>
    public ProviderFamily Family { get; }

    /// <summary>A short name of the profile: the family's (dashscope, deepseek, zai, minimax, openrouter, openai), or anthropic.</summary>
    public string Name { get; private init; } = "openai";

    /// <summary>The largest max_tokens sent upstream, or null for no cap.</summary>
    public int? MaxTokensCap { get; private init; }

    /// <summary>Whether <c>top_k</c> is forwarded.</summary>
    public bool SupportsTopK => Family.SupportsTopK;

    /// <summary>How thinking is requested.</summary>
    public ReasoningStyle Reasoning { get; private init; }

    /// <summary>Whether consecutive messages of the same role are merged (DeepSeek rejects successive user or assistant turns).</summary>
    public bool MergeConsecutiveRoles => Family.MergeConsecutiveRoles;

    /// <summary>Whether tools must carry <c>"type":"function"</c> (GLM rejects them otherwise; always written anyway).</summary>
    public bool ToolTypeRequired => Family.ToolTypeRequired;

    /// <summary>Whether assistant thinking goes back as <c>reasoning_content</c> (DeepSeek: "Missing reasoning_content" otherwise).</summary>
    public bool SendReasoningContentBack => Family.SendReasoningContentBack;

    /// <summary>Whether <c>cache_control</c> is removed from Anthropic-protocol request bodies (<c>cleancache</c>).</summary>
    public bool StripCacheControl { get; private init; }

    /// <summary>Whether PDF documents can be sent as OpenAI <c>file</c> parts (OpenRouter); otherwise a text placeholder is sent.</summary>
    public bool SupportsDocuments => Family.SupportsDocuments;

    /// <summary>Whether temperature must be kept in (0, 1] (MiniMax).</summary>
    public bool ClampTemperatureToUnit => Family.ClampTemperatureToUnit;

    /// <summary>How the key is sent.</summary>
    public AuthStyle Auth { get; private init; }

    /// <summary>The protocol the upstream speaks.</summary>
    public WireProtocol Protocol { get; private init; }

    /// <summary>Headers sent with every request: the family's own, overlaid by the provider's <c>headers</c>.</summary>
    public IReadOnlyDictionary<string, string> ExtraHeaders { get; private init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Transformer names this build does not know; reported, then ignored.</summary>
    public IReadOnlyList<string> UnknownTransformers { get; private init; } = Array.Empty<string>();

    /// <summary>Builds the profile for <paramref name="provider"/> from its family (host or <c>transformer.use</c> names) and its config.</summary>
    public static ProviderProfile For(ProviderConfig provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var unknown = new List<string>();
        bool cleanCache = false;
        foreach (string name in provider.Transformers)
        {
            if (!s_knownNoOps.Contains(name))
            {
                unknown.Add(name);
            }

            cleanCache |= string.Equals(name, "cleancache", StringComparison.OrdinalIgnoreCase);
        }

        ProviderFamily family = ProviderFamilies.For(provider);
        var headers = new Dictionary<string, string>(family.DefaultHeaders, StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, string> header in provider.Headers)
        {
            headers[header.Key] = header.Value;
        }

        bool anthropic = provider.Protocol == WireProtocol.Anthropic;
        var profile = new ProviderProfile(family)
        {
            Name = anthropic ? "anthropic" : family.Name,
            Protocol = provider.Protocol,
            MaxTokensCap = provider.MaxTokensCap ?? family.DefaultMaxTokensCap,
            Reasoning = anthropic ? ReasoningStyle.None : family.Reasoning,
            StripCacheControl = cleanCache,
            Auth = !anthropic ? AuthStyle.Bearer : provider.Endpoint.Host.Equals("api.anthropic.com", StringComparison.OrdinalIgnoreCase) ? AuthStyle.XApiKey : AuthStyle.BearerAndXApiKey,
            ExtraHeaders = headers,
            UnknownTransformers = unknown,
        };
        foreach (KeyValuePair<string, string> header in provider.Headers)
        {
            profile._configHeaders[header.Key] = header.Value;
        }

        return profile;
    }

    /// <summary>The max_tokens cap for <paramref name="model"/> (the family may cap some models lower, e.g. deepseek-chat at 8192).</summary>
    public int? MaxTokensCapFor(string model) => Protocol == WireProtocol.OpenAI ? Family.MaxTokensCapFor(model, MaxTokensCap) : MaxTokensCap;

    /// <summary>Whether <c>temperature</c> and <c>top_p</c> are left out for <paramref name="model"/> (DeepSeek reasoners refuse them).</summary>
    public bool DropsSamplingParametersFor(string model) => Protocol == WireProtocol.OpenAI && Family.DropsSamplingParameters(model);

    /// <summary>Adds the key (Bearer, x-api-key or both) and, for Anthropic upstreams, <c>anthropic-version</c> when absent.</summary>
    public void ApplyAuth(HttpRequestMessage request, string? apiKey)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!string.IsNullOrEmpty(apiKey))
        {
            if (Auth is AuthStyle.Bearer or AuthStyle.BearerAndXApiKey)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            }

            if (Auth is AuthStyle.XApiKey or AuthStyle.BearerAndXApiKey)
            {
                request.Headers.Remove("x-api-key");
                request.Headers.TryAddWithoutValidation("x-api-key", apiKey);
            }
        }

        if (Protocol == WireProtocol.Anthropic && !request.Headers.Contains("anthropic-version"))
        {
            request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        }
    }

    /// <summary>
    /// Adds <see cref="ExtraHeaders"/>: the provider's configured headers replace any value already set (a header the
    /// client forwarded included); the family's own headers only fill what is still absent.
    /// </summary>
    public void ApplyExtraHeaders(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (KeyValuePair<string, string> header in _configHeaders)
        {
            request.Headers.Remove(header.Key);
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        foreach (KeyValuePair<string, string> header in ExtraHeaders)
        {
            if (!request.Headers.Contains(header.Key))
            {
                request.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
    }
}
