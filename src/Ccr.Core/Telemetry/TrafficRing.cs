namespace Ccr.Core.Telemetry;

/// <summary>
/// Requests and errors per second over the last <see cref="Capacity"/> seconds, for the dashboard's traffic chart. Each
/// second is a slot in a fixed ring: recording is an <see cref="Interlocked.Increment(ref long)"/> (and a lock once a
/// second when a slot is reused), reading copies the slots out. Nothing grows, nothing is allocated per request.
/// </summary>
internal sealed class TrafficRing
{
    /// <summary>Seconds kept: five minutes.</summary>
    public const int Capacity = 300;

    private readonly long[] _second = new long[Capacity];
    private readonly long[] _requests = new long[Capacity];
    private readonly long[] _errors = new long[Capacity];
    private readonly object _gate = new();

    public TrafficRing()
    {
        Array.Fill(_second, long.MinValue);
    }

    /// <summary>Counts one request that ended in second <paramref name="second"/> (seconds since the Unix epoch).</summary>
    public void Record(long second, bool failed)
    {
        int i = (int)(second % Capacity);
        long stamp = Volatile.Read(ref _second[i]);
        if (stamp != second)
        {
            if (stamp > second)
            {
                return;
            }

            lock (_gate)
            {
                if (_second[i] < second)
                {
                    Volatile.Write(ref _requests[i], 0);
                    Volatile.Write(ref _errors[i], 0);
                    Volatile.Write(ref _second[i], second);
                }
            }
        }

        Interlocked.Increment(ref _requests[i]);
        if (failed)
        {
            Interlocked.Increment(ref _errors[i]);
        }
    }

    /// <summary>Per-second counts of the <see cref="Capacity"/> seconds ending with <paramref name="nowSecond"/>, oldest first.</summary>
    public (long[] Requests, long[] Errors) Read(long nowSecond)
    {
        var requests = new long[Capacity];
        var errors = new long[Capacity];
        for (int k = 0; k < Capacity; k++)
        {
            long second = nowSecond - Capacity + 1 + k;
            int i = (int)(second % Capacity);
            if (Volatile.Read(ref _second[i]) == second)
            {
                requests[k] = Volatile.Read(ref _requests[i]);
                errors[k] = Volatile.Read(ref _errors[i]);
            }
        }

        return (requests, errors);
    }
}
