namespace Ccr.Core.Config;

/// <summary>A provider's local quota: a plan's limits or explicit numbers.</summary>
public sealed class QuotaConfig
{
    /// <summary><c>plan</c>: lite, pro, or null for explicit limits.</summary>
    public string? Plan { get; init; }

    /// <summary>Requests allowed in any rolling five hours, or null for no limit.</summary>
    public int? FiveHourLimit { get; init; }

    /// <summary>Requests allowed per week (resets Monday 00:00 UTC+8), or null.</summary>
    public int? WeeklyLimit { get; init; }

    /// <summary>Requests allowed per month (resets on <see cref="RenewalDay"/>), or null.</summary>
    public int? MonthlyLimit { get; init; }

    /// <summary>Day of month (1-31) the monthly window renews; clamped to the month's last day.</summary>
    public int RenewalDay { get; init; } = 1;

    /// <summary>True when <c>renewal_day</c> was given; otherwise <see cref="RenewalDay"/> is the default 1 and the real renewal is unknown.</summary>
    public bool RenewalDayGiven { get; init; }

    /// <summary>
    /// True for a provider on a subscription plan whose limits are not configured (no <c>plan</c>, no explicit
    /// limits): its requests are counted in every window and shown as used/?, and no limit is enforced.
    /// </summary>
    public bool LimitsUnknown { get; init; }

    /// <summary>The quota of a plan provider with no <c>quota</c> block: counted, limits unknown.</summary>
    internal static QuotaConfig UnknownPlan { get; } = new() { LimitsUnknown = true };
}
