namespace Ccr.Core.Usage;

/// <summary>One row of a usage report: what one provider/model (or one provider, or one model) used in [From, To).</summary>
/// <param name="Provider">The provider; null on rows by model.</param>
/// <param name="Model">The model; null on rows by provider.</param>
/// <param name="TierName">The provider's tier_name; null when it has none or the row spans several.</param>
/// <param name="Counts">Requests, tokens, errors and fallbacks.</param>
/// <param name="CostUsd">What it cost from <c>pricing</c>/<c>model_pricing</c>; null for a subscription or when nothing in the row is priced.</param>
/// <param name="Subscription">True when the row's provider is a subscription plan (requests count against the plan, no cost).</param>
/// <param name="From">Start of the span.</param>
/// <param name="To">End of the span (exclusive).</param>
internal sealed record UsageRow(string? Provider, string? Model, string? TierName, UsageCounts Counts, double? CostUsd, bool Subscription, DateTimeOffset From, DateTimeOffset To);
