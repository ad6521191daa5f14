namespace Ccr.Core.Telemetry;

/// <summary>
/// The last few decision-log lines that say how an upstream attempt or a request ended (ok, retry, fallback, error), kept
/// in memory whether or not the log file is on, for the dashboard. Route lines (every request writes one, before any
/// outcome) and skip lines (a tier held back by cooldown, open circuit, quota or a missing key, which the tier's state
/// already shows, and which would otherwise crowd every real attempt off a short list) are left to the file. A fixed ring
/// under a lock held for one struct copy: the request path never waits on a reader for longer than that.
/// </summary>
internal sealed class RecentDecisions
{
    /// <summary>Lines kept.</summary>
    public const int Capacity = 32;

    private readonly DecisionLogEntry[] _entries = new DecisionLogEntry[Capacity];
    private readonly object _gate = new();
    private long _written;

    /// <summary>Lines seen so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Keeps <paramref name="entry"/> when it says how an attempt or request ended.</summary>
    public void Add(in DecisionLogEntry entry)
    {
        if (entry.Event is not ("attempt" or "result") || (entry.Outcome is { } outcome && outcome.StartsWith("skipped", StringComparison.Ordinal)))
        {
            return;
        }

        lock (_gate)
        {
            // A body (LOG_BODIES) is the user's prompt: the file may have it, memory for a screen does not need it.
            _entries[(int)(_written % Capacity)] = entry.Body is null ? entry : entry with { Body = null };
            _written++;
        }
    }

    /// <summary>The kept lines, newest first.</summary>
    public DecisionLogEntry[] Snapshot()
    {
        lock (_gate)
        {
            int count = (int)Math.Min(_written, Capacity);
            var list = new DecisionLogEntry[count];
            for (int k = 0; k < count; k++)
            {
                list[k] = _entries[(int)((_written - 1 - k) % Capacity)];
            }

            return list;
        }
    }
}
