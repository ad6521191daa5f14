using Ccr.Core.Quota;

namespace Ccr.Core.Providers;

/// <summary>What a family read in an upstream limit message: the kind of limit and, for a used-up quota, which window and when the upstream said it resets.</summary>
/// <param name="Kind">Not a limit, a short rate limit, or a used-up quota.</param>
/// <param name="Window">The quota window the message names, or <see cref="QuotaWindowKind.Unknown"/>.</param>
/// <param name="ResetsAt">The reset time written in the message itself, or null when it gives none.</param>
internal readonly record struct UpstreamLimit(UpstreamLimitKind Kind, QuotaWindowKind Window, DateTimeOffset? ResetsAt)
{
    /// <summary>Not a limit.</summary>
    public static UpstreamLimit None => default;

    /// <summary>A short-term rate limit.</summary>
    public static UpstreamLimit RateLimited => new(UpstreamLimitKind.RateLimited, QuotaWindowKind.Unknown, null);

    /// <summary>
    /// True when a family read this from a vendor code it knows, not from words: such a reading outranks what the
    /// generic wording makes of the same error (DashScope's per-second "Throttling.RateQuota" says "quota").
    /// </summary>
    public bool ByCode { get; init; }

    /// <summary>A used-up quota whose window and reset the message does not say.</summary>
    public static UpstreamLimit Quota => new(UpstreamLimitKind.QuotaExceeded, QuotaWindowKind.Unknown, null);

    /// <summary>A used-up <paramref name="window"/>, back at <paramref name="resetsAt"/> when the message says.</summary>
    public static UpstreamLimit QuotaOf(QuotaWindowKind window, DateTimeOffset? resetsAt = null) => new(UpstreamLimitKind.QuotaExceeded, window, resetsAt);

    /// <summary>
    /// The more telling of two readings: one read from a known vendor code outranks one read from words; then a used-up quota outranks a rate limit, which outranks nothing; between two
    /// readings of the same kind, one that names a window or a reset time outranks one that does not.
    /// </summary>
    public static UpstreamLimit Stronger(UpstreamLimit a, UpstreamLimit b)
    {
        if (a.ByCode != b.ByCode && a.Kind != UpstreamLimitKind.None && b.Kind != UpstreamLimitKind.None)
        {
            return a.ByCode ? a : b;
        }

        if (a.Kind != b.Kind)
        {
            return a.Kind > b.Kind ? a : b;
        }

        return Detail(b) > Detail(a) ? b : a;
    }

    private static int Detail(UpstreamLimit limit) =>
        (limit.Window != QuotaWindowKind.Unknown ? 2 : 0) + (limit.ResetsAt is not null ? 1 : 0);
}
