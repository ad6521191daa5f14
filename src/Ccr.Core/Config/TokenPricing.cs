namespace Ccr.Core.Config;

/// <summary>
/// What a provider or one of its models costs, in USD per million tokens: <c>pricing</c> on a provider and each
/// entry of <c>model_pricing</c>, with CCR-Rust's key names. Cache reads and writes cost the input price when
/// their own prices are not given (an overestimate rather than a silent zero).
/// </summary>
public sealed class TokenPricing
{
    /// <summary><c>input_per_million_tokens</c>: uncached prompt tokens.</summary>
    public double InputPerMillionTokens { get; init; }

    /// <summary><c>output_per_million_tokens</c>: completion tokens.</summary>
    public double OutputPerMillionTokens { get; init; }

    /// <summary><c>cache_read_per_million_tokens</c>, or null for the input price.</summary>
    public double? CacheReadPerMillionTokens { get; init; }

    /// <summary><c>cache_write_per_million_tokens</c>, or null for the input price.</summary>
    public double? CacheWritePerMillionTokens { get; init; }

    /// <summary>The cost in USD of the given token counts.</summary>
    public double CostUsd(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens) =>
        ((inputTokens * InputPerMillionTokens)
            + (outputTokens * OutputPerMillionTokens)
            + (cacheReadTokens * (CacheReadPerMillionTokens ?? InputPerMillionTokens))
            + (cacheWriteTokens * (CacheWritePerMillionTokens ?? InputPerMillionTokens))) / 1_000_000.0;
}
