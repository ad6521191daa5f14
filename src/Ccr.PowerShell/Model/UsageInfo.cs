namespace Ccr.PowerShell;

/// <summary>
/// One row of Get-CcrUsage: what a provider and model used in [From, To). Every property is a plain value, so the
/// rows go to Export-Csv as they are.
/// </summary>
/// <remarks>No Ccr.Core types here: PowerShell scans output types when the module loads, before the engine is resolvable.</remarks>
public sealed class UsageInfo
{
    /// <summary>The provider; empty on rows by model.</summary>
    public string? Provider { get; init; }

    /// <summary>The model; empty on rows by provider.</summary>
    public string? Model { get; init; }

    /// <summary>The provider's <c>tier_name</c>, or empty.</summary>
    public string? TierName { get; init; }

    /// <summary>Upstream requests, failed ones and retries included (what a request-counted plan counts).</summary>
    public long Requests { get; init; }

    /// <summary>Prompt tokens that were neither read from nor written to the upstream's cache.</summary>
    public long InputTokens { get; init; }

    /// <summary>Completion tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Prompt tokens read from the upstream's cache.</summary>
    public long CacheReadTokens { get; init; }

    /// <summary>Prompt tokens written to the upstream's cache.</summary>
    public long CacheWriteTokens { get; init; }

    /// <summary>Requests that failed.</summary>
    public long Errors { get; init; }

    /// <summary>Requests made here because the route's first choice was skipped or failed.</summary>
    public long Fallbacks { get; init; }

    /// <summary>Cost in USD from <c>pricing</c>/<c>model_pricing</c>; empty for a subscription plan or when unpriced.</summary>
    public double? CostUsd { get; init; }

    /// <summary>True for a subscription plan (requests count against the plan; see Get-CcrUsage -Quota).</summary>
    public bool Subscription { get; init; }

    /// <summary>Start of the row's span.</summary>
    public DateTimeOffset From { get; init; }

    /// <summary>End of the row's span (exclusive).</summary>
    public DateTimeOffset To { get; init; }

    /// <summary>Where the numbers came from: this session's proxy, a proxy's URL, or the store file.</summary>
    public string Source { get; init; } = "";
}
