namespace Ccr.Core.Usage;

/// <summary>What usage is counted per: the provider, the model and the provider's tier_name (empty when it has none).</summary>
internal readonly record struct UsageKey(string Provider, string Model, string TierName);
