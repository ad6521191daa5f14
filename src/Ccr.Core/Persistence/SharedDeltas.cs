using System.Runtime.InteropServices;
using Ccr.Core.Quota;
using Ccr.Core.Usage;

namespace Ccr.Core.Persistence;

/// <summary>
/// What this process counted and has not sent to Redis yet: added to under one small lock on the request path (a
/// dictionary add, no I/O), taken whole by the background loop as a <see cref="SharedBatch"/>. Bounded: while Redis is
/// away for long, entries past <see cref="MaxEntries"/> are not kept for Redis (the local store still counts them).
/// </summary>
internal sealed class SharedDeltas
{
    /// <summary>At most this many pending entries (minute buckets, usage buckets, marks) are held for Redis.</summary>
    public const int MaxEntries = 200_000;

    private readonly object _gate = new();
    private Dictionary<(string Provider, long Minute), int> _quota = new();
    private Dictionary<string, int> _renewalDays = new(StringComparer.OrdinalIgnoreCase);
    private Dictionary<string, (DateTimeOffset Until, QuotaWindowKind Window)> _exhausted = new(StringComparer.OrdinalIgnoreCase);
    private Dictionary<UsageBucketKey, UsageCounts> _usage = new();
    private Dictionary<string, (DateTimeOffset Until, string Reason)> _cooldowns = new(StringComparer.OrdinalIgnoreCase);
    private int _dropped;

    /// <summary>True while a mark (quota used up, cooldown) waits: the loop sends it at once rather than at the next second.</summary>
    public bool HasMarks
    {
        get
        {
            lock (_gate)
            {
                return _exhausted.Count > 0 || _cooldowns.Count > 0;
            }
        }
    }

    /// <summary>Deltas not kept because the bound was reached; read and reset by the loop to warn once.</summary>
    public int TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    public void AddQuota(string provider, long minute, int count, int renewalDay)
    {
        lock (_gate)
        {
            if (Full())
            {
                return;
            }

            CollectionsMarshal.GetValueRefOrAddDefault(_quota, (provider, minute), out _) += count;
            _renewalDays[provider] = renewalDay;
        }
    }

    public void MarkExhausted(string provider, DateTimeOffset until, QuotaWindowKind window)
    {
        lock (_gate)
        {
            if (!_exhausted.TryGetValue(provider, out (DateTimeOffset Until, QuotaWindowKind Window) current) || current.Until < until)
            {
                _exhausted[provider] = (until, window);
            }
        }
    }

    public void AddUsage(in UsageBucketKey key, in UsageCounts delta)
    {
        lock (_gate)
        {
            if (Full())
            {
                return;
            }

            CollectionsMarshal.GetValueRefOrAddDefault(_usage, key, out _).Add(delta);
        }
    }

    public void CoolDown(string tierKey, DateTimeOffset until, string reason)
    {
        lock (_gate)
        {
            if (!_cooldowns.TryGetValue(tierKey, out (DateTimeOffset Until, string Reason) current) || current.Until < until)
            {
                _cooldowns[tierKey] = (until, reason);
            }
        }
    }

    /// <summary>Takes everything pending as one batch; null when nothing is.</summary>
    public SharedBatch? Seal()
    {
        lock (_gate)
        {
            if (_quota.Count == 0 && _exhausted.Count == 0 && _usage.Count == 0 && _cooldowns.Count == 0)
            {
                return null;
            }

            var batch = new SharedBatch(_quota, _renewalDays, _exhausted, _usage, _cooldowns);
            _quota = new();
            _renewalDays = new(StringComparer.OrdinalIgnoreCase);
            _exhausted = new(StringComparer.OrdinalIgnoreCase);
            _usage = new();
            _cooldowns = new(StringComparer.OrdinalIgnoreCase);
            return batch;
        }
    }

    /// <summary>Adds what is pending to <paramref name="quota"/> (per provider name) and <paramref name="usage"/>: the part of this process's counts Redis does not hold yet.</summary>
    public void AddPendingTo(Dictionary<string, QuotaUsage> quota, Dictionary<UsageBucketKey, UsageCounts> usage)
    {
        lock (_gate)
        {
            AddTo(quota, usage, _quota, _renewalDays, _exhausted, _usage);
        }
    }

    /// <summary>The same for a batch that was taken but not (yet) accepted by Redis.</summary>
    public static void AddTo(Dictionary<string, QuotaUsage> quota, Dictionary<UsageBucketKey, UsageCounts> usage, SharedBatch batch) =>
        AddTo(quota, usage, batch.Quota, batch.RenewalDays, batch.Exhausted, batch.Usage);

    private static void AddTo(
        Dictionary<string, QuotaUsage> quota,
        Dictionary<UsageBucketKey, UsageCounts> usage,
        Dictionary<(string Provider, long Minute), int> quotaDeltas,
        Dictionary<string, int> renewalDays,
        Dictionary<string, (DateTimeOffset Until, QuotaWindowKind Window)> exhausted,
        Dictionary<UsageBucketKey, UsageCounts> usageDeltas)
    {
        foreach (KeyValuePair<(string Provider, long Minute), int> entry in quotaDeltas)
        {
            if (quota.TryGetValue(entry.Key.Provider, out QuotaUsage? view))
            {
                view.Add(entry.Key.Minute, entry.Value, renewalDays.TryGetValue(entry.Key.Provider, out int day) ? day : 1);
            }
        }

        foreach (KeyValuePair<string, (DateTimeOffset Until, QuotaWindowKind Window)> entry in exhausted)
        {
            if (quota.TryGetValue(entry.Key, out QuotaUsage? view))
            {
                view.MarkExhausted(entry.Value.Until, entry.Value.Window);
            }
        }

        foreach (KeyValuePair<UsageBucketKey, UsageCounts> entry in usageDeltas)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(usage, entry.Key, out _).Add(entry.Value);
        }
    }

    private bool Full()
    {
        if (_quota.Count + _usage.Count < MaxEntries)
        {
            return false;
        }

        Interlocked.Increment(ref _dropped);
        return true;
    }
}
