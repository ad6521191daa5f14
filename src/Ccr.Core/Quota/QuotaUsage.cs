using System.Runtime.InteropServices;

namespace Ccr.Core.Quota;

/// <summary>
/// One provider's counted requests: per-minute buckets for the rolling window, and a count for the
/// current week and the current monthly period. The same shape is kept in memory and in the store,
/// so merging another process's counts is the same operation as recording our own.
/// </summary>
internal sealed class QuotaUsage
{
    /// <summary>Requests per minute bucket (minutes since the Unix epoch), pruned to the rolling window.</summary>
    public Dictionary<long, int> Minutes { get; } = new();

    /// <summary>The start of the week <see cref="WeekCount"/> belongs to.</summary>
    public DateTimeOffset? WeekStart { get; set; }

    /// <summary>Requests in the week starting at <see cref="WeekStart"/>.</summary>
    public long WeekCount { get; set; }

    /// <summary>The start of the monthly period <see cref="MonthCount"/> belongs to.</summary>
    public DateTimeOffset? MonthStart { get; set; }

    /// <summary>Requests in the period starting at <see cref="MonthStart"/>.</summary>
    public long MonthCount { get; set; }

    /// <summary>Set when upstream reported quota_exceeded: the provider is skipped until then.</summary>
    public DateTimeOffset? ExhaustedUntil { get; set; }

    /// <summary>The window upstream's message named for <see cref="ExhaustedUntil"/>.</summary>
    public QuotaWindowKind ExhaustedWindow { get; set; }

    /// <summary>A deep copy.</summary>
    public QuotaUsage Clone()
    {
        var copy = new QuotaUsage
        {
            WeekStart = WeekStart,
            WeekCount = WeekCount,
            MonthStart = MonthStart,
            MonthCount = MonthCount,
            ExhaustedUntil = ExhaustedUntil,
            ExhaustedWindow = ExhaustedWindow,
        };
        foreach (KeyValuePair<long, int> bucket in Minutes)
        {
            copy.Minutes[bucket.Key] = bucket.Value;
        }

        return copy;
    }

    /// <summary>Adds <paramref name="count"/> requests made during <paramref name="minute"/> to every window.</summary>
    public void Add(long minute, int count, int renewalDay)
    {
        CollectionsMarshal.GetValueRefOrAddDefault(Minutes, minute, out _) += count;

        DateTimeOffset at = QuotaCalendar.MinuteStart(minute);
        DateTimeOffset week = QuotaCalendar.WeekStart(at);
        if (WeekStart == week)
        {
            WeekCount += count;
        }
        else if (WeekStart is null || WeekStart < week)
        {
            // A newer week: the old count has reset. Requests from an older week than the stored one are late and no longer count.
            WeekStart = week;
            WeekCount = count;
        }

        DateTimeOffset month = QuotaCalendar.MonthStart(at, renewalDay);
        if (MonthStart == month)
        {
            MonthCount += count;
        }
        else if (MonthStart is null || MonthStart < month)
        {
            MonthStart = month;
            MonthCount = count;
        }
    }

    /// <summary>Adds every bucket of <paramref name="pending"/> and keeps the later exhaustion mark (with its window).</summary>
    public void Merge(Dictionary<long, int> pending, DateTimeOffset? exhaustedUntil, int renewalDay, QuotaWindowKind exhaustedWindow = QuotaWindowKind.Unknown)
    {
        foreach (KeyValuePair<long, int> bucket in pending)
        {
            Add(bucket.Key, bucket.Value, renewalDay);
        }

        MarkExhausted(exhaustedUntil, exhaustedWindow);
    }

    /// <summary>Keeps the later of the current exhaustion mark and <paramref name="until"/>, with the window that set it.</summary>
    public void MarkExhausted(DateTimeOffset? until, QuotaWindowKind window)
    {
        if (until is not null && (ExhaustedUntil is null || ExhaustedUntil < until))
        {
            ExhaustedUntil = until;
            ExhaustedWindow = window;
        }
    }

    /// <summary>Drops buckets that no longer count at <paramref name="now"/> and an exhaustion mark that has passed.</summary>
    public void Prune(DateTimeOffset now)
    {
        List<long>? stale = null;
        foreach (long minute in Minutes.Keys)
        {
            if (QuotaCalendar.RollOff(minute) <= now)
            {
                (stale ??= new List<long>()).Add(minute);
            }
        }

        if (stale is not null)
        {
            foreach (long minute in stale)
            {
                Minutes.Remove(minute);
            }
        }

        if (ExhaustedUntil is not null && ExhaustedUntil <= now)
        {
            ExhaustedUntil = null;
            ExhaustedWindow = QuotaWindowKind.Unknown;
        }
    }
}
