namespace Ccr.Core.Telemetry;

/// <summary>
/// Latencies of the last few minutes as counts in fixed log-scale buckets (four per doubling, from 0.25 ms to about an
/// hour), one bucket array per minute in a small ring. Recording is one <see cref="Interlocked.Increment(ref long)"/> on
/// the request path, plus a lock once a minute when a slot is reused; percentiles are read off the summed buckets, so they
/// are good to one bucket (about 19%), which is what a dashboard needs and costs nothing per request.
/// </summary>
internal sealed class RollingHistogram
{
    /// <summary>Buckets per slot: the upper bound of bucket i is 0.25 ms × 2^(i/4).</summary>
    public const int BucketCount = 96;

    /// <summary>Minutes kept; percentiles cover the current minute and the five before it.</summary>
    public const int SlotCount = 6;

    private const double SmallestMs = 0.25;

    private readonly Slot[] _slots = new Slot[SlotCount];

    public RollingHistogram()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot();
        }
    }

    /// <summary>The upper bound, in milliseconds, of bucket <paramref name="index"/>.</summary>
    public static double UpperBoundMs(int index) => SmallestMs * Math.Pow(2, index / 4.0);

    /// <summary>The bucket a latency of <paramref name="milliseconds"/> falls in.</summary>
    public static int BucketOf(double milliseconds)
    {
        if (!(milliseconds > SmallestMs))
        {
            return 0;
        }

        int index = (int)Math.Ceiling(4 * Math.Log2(milliseconds / SmallestMs));
        return index >= BucketCount ? BucketCount - 1 : index;
    }

    /// <summary>Counts one latency in minute <paramref name="minute"/> (minutes since the Unix epoch).</summary>
    public void Record(double milliseconds, long minute)
    {
        Slot slot = _slots[(int)(minute % SlotCount)];
        long current = Volatile.Read(ref slot.Minute);
        if (current != minute)
        {
            if (current > minute)
            {
                // A sample stamped before a slow thread got here belongs to a minute already gone from the ring.
                return;
            }

            slot.Roll(minute);
        }

        Interlocked.Increment(ref slot.Counts[BucketOf(milliseconds)]);
    }

    /// <summary>The 50th and 95th percentiles over the minutes still in the ring at <paramref name="nowMinute"/>; null with no samples.</summary>
    public (double? P50, double? P95, long Samples) Percentiles(long nowMinute)
    {
        Span<long> sum = stackalloc long[BucketCount];
        long total = 0;
        foreach (Slot slot in _slots)
        {
            long minute = Volatile.Read(ref slot.Minute);
            if (minute > nowMinute - SlotCount && minute <= nowMinute)
            {
                for (int i = 0; i < BucketCount; i++)
                {
                    long count = Volatile.Read(ref slot.Counts[i]);
                    sum[i] += count;
                    total += count;
                }
            }
        }

        if (total == 0)
        {
            return (null, null, 0);
        }

        return (Rank(sum, total, 0.50), Rank(sum, total, 0.95), total);
    }

    private static double Rank(ReadOnlySpan<long> buckets, long total, double quantile)
    {
        long rank = Math.Max(1, (long)Math.Ceiling(total * quantile));
        long seen = 0;
        for (int i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i];
            if (seen >= rank)
            {
                return UpperBoundMs(i);
            }
        }

        return UpperBoundMs(BucketCount - 1);
    }

    private sealed class Slot
    {
        public readonly long[] Counts = new long[BucketCount];
        public long Minute = long.MinValue;

        public void Roll(long minute)
        {
            lock (Counts)
            {
                if (Minute < minute)
                {
                    // Counts that land between the clear and the stamp belong to the new minute anyway.
                    Array.Clear(Counts);
                    Volatile.Write(ref Minute, minute);
                }
            }
        }
    }
}
