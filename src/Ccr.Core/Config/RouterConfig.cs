namespace Ccr.Core.Config;

/// <summary>The <c>Router</c> section.</summary>
public sealed class RouterConfig
{
    /// <summary><c>default</c>.</summary>
    public RouteTarget? Default { get; init; }

    /// <summary><c>background</c>: haiku-class requests.</summary>
    public RouteTarget? Background { get; init; }

    /// <summary><c>think</c>: requests with thinking enabled.</summary>
    public RouteTarget? Think { get; init; }

    /// <summary><c>longContext</c>: requests above <see cref="LongContextThreshold"/> tokens.</summary>
    public RouteTarget? LongContext { get; init; }

    /// <summary><c>longContextThreshold</c>, default 60000.</summary>
    public int LongContextThreshold { get; init; } = 60_000;

    /// <summary><c>webSearch</c>: requests that carry a web_search tool.</summary>
    public RouteTarget? WebSearch { get; init; }

    /// <summary><c>tiers</c>: the fallback chain in strict priority order.</summary>
    public IReadOnlyList<RouteTarget> Tiers { get; init; } = Array.Empty<RouteTarget>();

    /// <summary><c>tierRetries</c> keyed by <c>tier-N</c> (or a tier_name); see <see cref="RetryPolicyFor"/>.</summary>
    public IReadOnlyDictionary<string, RetryPolicy> TierRetries { get; init; } =
        new Dictionary<string, RetryPolicy>(StringComparer.OrdinalIgnoreCase);

    /// <summary>claude-code-router's per-scenario <c>fallback</c> lists (scenario name to targets).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<RouteTarget>> Fallback { get; init; } =
        new Dictionary<string, IReadOnlyList<RouteTarget>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The retry policy for tier <paramref name="tierIndex"/>: by <c>tier-N</c>, then by tier name, else the default.</summary>
    public RetryPolicy RetryPolicyFor(int tierIndex, string? tierName)
    {
        if (TierRetries.TryGetValue("tier-" + tierIndex.ToString(System.Globalization.CultureInfo.InvariantCulture), out RetryPolicy? byIndex))
        {
            return byIndex;
        }

        if (tierName is not null && TierRetries.TryGetValue(tierName, out RetryPolicy? byName))
        {
            return byName;
        }

        return RetryPolicy.Default;
    }
}
