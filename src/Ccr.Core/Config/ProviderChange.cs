namespace Ccr.Core.Config;

/// <summary>What <see cref="ProviderEditor.SetProvider"/> writes: the name, and only the fields that are not null.</summary>
public sealed class ProviderChange
{
    /// <summary>The provider's <c>name</c> (matched ignoring case; an existing provider keeps its spelling).</summary>
    public required string Name { get; init; }

    /// <summary><c>api_base_url</c>; required for a new provider.</summary>
    public string? BaseUrl { get; init; }

    /// <summary><c>models</c> (replaces the list); required for a new provider.</summary>
    public IReadOnlyList<string>? Models { get; init; }

    /// <summary><c>tier_name</c>.</summary>
    public string? TierName { get; init; }

    /// <summary><c>quota.plan</c>.</summary>
    public QuotaPlan? Plan { get; init; }

    /// <summary>The variable <c>api_key</c> refers to (written as <c>${VARIABLE}</c>); the key itself goes to <c>.env</c>, never here.</summary>
    public string? KeyVariable { get; init; }

    /// <summary><c>pricing.input_per_million_tokens</c> (USD).</summary>
    public double? InputPricePerMillion { get; init; }

    /// <summary><c>pricing.output_per_million_tokens</c> (USD).</summary>
    public double? OutputPricePerMillion { get; init; }
}
