namespace Ccr.PowerShell;

/// <summary>One quota window of a provider, as Get-CcrUsage -Quota shows it, with a forecast.</summary>
public sealed class UsageQuotaInfo
{
    /// <summary>The provider.</summary>
    public string Provider { get; init; } = "";

    /// <summary>The provider's <c>tier_name</c>, or empty.</summary>
    public string? TierName { get; init; }

    /// <summary>FiveHour, Weekly or Monthly.</summary>
    public string Window { get; init; } = "";

    /// <summary>Requests counted in the window.</summary>
    public long Used { get; init; }

    /// <summary>Requests the window allows; empty while the plan is unknown (set <c>quota.plan</c>).</summary>
    public long? Limit { get; init; }

    /// <summary>When the window next frees requests.</summary>
    public DateTimeOffset ResetsAt { get; init; }

    /// <summary>At the last hour's pace, when the window runs out; empty when it will not before <see cref="ResetsAt"/> or the limit is unknown.</summary>
    public DateTimeOffset? Forecast { get; init; }

    /// <summary>The pace the forecast uses: requests in the last hour.</summary>
    public double PerHour { get; init; }

    /// <summary>Where the numbers came from.</summary>
    public string Source { get; init; } = "";
}
