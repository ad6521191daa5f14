namespace Ccr.Core.Config;

/// <summary>One entry of <c>Providers</c>, with its key resolved and its endpoint worked out.</summary>
public sealed class ProviderConfig
{
    /// <summary><c>name</c>.</summary>
    public required string Name { get; init; }

    /// <summary><c>api_base_url</c> as written (after interpolation).</summary>
    public required string ApiBaseUrl { get; init; }

    /// <summary>The full URL requests are POSTed to (<c>.../chat/completions</c> or <c>.../v1/messages</c>).</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The protocol spoken at <see cref="Endpoint"/>.</summary>
    public WireProtocol Protocol { get; init; }

    /// <summary>Why <see cref="Protocol"/> was chosen ("protocol key", "inferred from URL path"), for logs and Test-CcrProvider.</summary>
    public string ProtocolReason { get; init; } = "";

    /// <summary>The resolved API key, or null when missing. Never log this; use <see cref="KeyHint"/>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The raw <c>api_key</c> value before interpolation (e.g. <c>${QWEN_API_KEY}</c>).</summary>
    public string? ApiKeyTemplate { get; init; }

    /// <summary>Whether the key could be resolved, and whether it looks like the kind its host takes.</summary>
    public KeyState KeyState { get; init; }

    /// <summary>The environment variable that was missing, when <see cref="KeyState"/> is KeyMissing.</summary>
    public string? MissingVariable { get; init; }

    /// <summary>A redacted form of the key for display (<c>sk-sp-…abcd</c>).</summary>
    public string KeyHint { get; init; } = "";

    /// <summary><c>models</c>.</summary>
    public IReadOnlyList<string> Models { get; init; } = Array.Empty<string>();

    /// <summary><c>transformer.use</c> names, in order (string entries, or the first element of array entries).</summary>
    public IReadOnlyList<string> Transformers { get; init; } = Array.Empty<string>();

    /// <summary>Per-model <c>transformer</c> sections (<c>"qwen3-coder-plus": { "use": [...] }</c>): model name to transformer names.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ModelTransformers { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    /// <summary><c>tier_name</c>, or null.</summary>
    public string? TierName { get; init; }

    /// <summary><c>quota</c>, or null when the provider has no local quota.</summary>
    public QuotaConfig? Quota { get; init; }

    /// <summary><c>pricing</c>: what the provider's models cost by default, or null when unpriced.</summary>
    public TokenPricing? Pricing { get; init; }

    /// <summary><c>model_pricing</c>: model name to its own price, taking precedence over <see cref="Pricing"/>.</summary>
    public IReadOnlyDictionary<string, TokenPricing> ModelPricing { get; init; } = new Dictionary<string, TokenPricing>(StringComparer.Ordinal);

    /// <summary>
    /// True for a subscription (a plan billed by requests, not tokens): usage shows requests against the plan and no cost.
    /// The provider family says so for its plan hosts; <c>subscription</c> in the file overrides it.
    /// </summary>
    public bool Subscription { get; init; }

    /// <summary>True for Coding Plan endpoints, whose terms allow only interactive coding tools (or <c>interactive_only</c> in the file).</summary>
    public bool InteractiveOnly { get; init; }

    /// <summary>A cap on max_tokens sent upstream (from the <c>maxtoken</c> transformer or the provider profile), or null.</summary>
    public int? MaxTokensCap { get; init; }

    /// <summary>Whether x-ratelimit-* headers make the tier skip proactively (off for Z.ai, whose headers are informational).</summary>
    public bool HonorRateLimitHeaders { get; init; } = true;

    /// <summary>Extra headers sent upstream with every request (<c>headers</c> in the file).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The price of <paramref name="model"/>: its <c>model_pricing</c> entry, else <c>pricing</c>, else null.</summary>
    public TokenPricing? PricingFor(string model) =>
        ModelPricing.TryGetValue(model, out TokenPricing? own) ? own : Pricing;

    /// <summary>True when <paramref name="model"/> is in <see cref="Models"/> (or the list is empty, meaning any).</summary>
    public bool HasModel(string model)
    {
        if (Models.Count == 0)
        {
            return true;
        }

        foreach (string m in Models)
        {
            if (string.Equals(m, model, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
