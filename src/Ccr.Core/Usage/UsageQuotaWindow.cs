namespace Ccr.Core.Usage;

/// <summary>One quota window of a provider, with a forecast of when it runs out.</summary>
/// <param name="Provider">The provider.</param>
/// <param name="TierName">Its tier_name, or null.</param>
/// <param name="Window">FiveHour, Weekly or Monthly.</param>
/// <param name="Used">Requests counted in the window.</param>
/// <param name="Limit">Requests allowed, or null when the plan (and so the limit) is unknown.</param>
/// <param name="ResetsAt">When the window next frees requests.</param>
/// <param name="RunsOutAt">At the last hour's pace, when the window reaches its limit; null when it will not before <paramref name="ResetsAt"/> (or the limit is unknown).</param>
/// <param name="PerHour">The pace the forecast uses: requests in the last hour.</param>
internal sealed record UsageQuotaWindow(string Provider, string? TierName, string Window, long Used, long? Limit, DateTimeOffset ResetsAt, DateTimeOffset? RunsOutAt, double PerHour)
{
    /// <summary>
    /// When a window with <paramref name="used"/> of <paramref name="limit"/> runs out at <paramref name="perHour"/> requests an
    /// hour from <paramref name="now"/>; null when there is no limit, no pace, or it would not happen before <paramref name="resetsAt"/>.
    /// </summary>
    public static DateTimeOffset? Forecast(long used, long? limit, double perHour, DateTimeOffset now, DateTimeOffset resetsAt)
    {
        if (limit is not long l)
        {
            return null;
        }

        if (used >= l)
        {
            return now;
        }

        if (perHour <= 0)
        {
            return null;
        }

        DateTimeOffset at = now + TimeSpan.FromHours((l - used) / perHour);
        return at < resetsAt ? at : null;
    }
}
