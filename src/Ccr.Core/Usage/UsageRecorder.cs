using System.Runtime.InteropServices;
using Ccr.Core.Config;
using Ccr.Core.Persistence;
using Ccr.Core.Telemetry;

namespace Ccr.Core.Usage;

/// <summary>
/// Counts usage for every provider, quota or not, in hourly buckets. The request path only adds to an in-memory
/// bucket under one of a few striped locks (no I/O, no allocation once a bucket exists); a background loop merges
/// the pending counts into the <see cref="UsageStore"/> every second, so every Ccr process of the user adds up.
/// </summary>
internal sealed class UsageRecorder : IDisposable
{
    private const int StripeCount = 16;
    private static readonly TimeSpan s_defaultFlushInterval = TimeSpan.FromSeconds(1);

    private readonly UsageStore _store;
    private readonly TimeProvider _time;
    private readonly CcrMetrics? _metrics;
    private readonly Stripe[] _stripes;
    private readonly PeriodicFlush _flusher;
    private bool _flushFailing;
    private ISharedState _shared = LocalSharedState.Instance;

    /// <summary>
    /// Creates a recorder over <paramref name="storeFilePath"/>. <paramref name="metrics"/>, when given, also gets every
    /// count for <c>/metrics</c>. <paramref name="flushInterval"/> of <see cref="TimeSpan.Zero"/> turns the background
    /// flush off (only <see cref="FlushAsync"/> and <see cref="Dispose"/> write).
    /// </summary>
    public UsageRecorder(string storeFilePath, TimeProvider time, CcrMetrics? metrics = null, Action<string>? warning = null, TimeSpan? flushInterval = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeFilePath);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _metrics = metrics;
        Warning = warning;
        _store = new UsageStore(storeFilePath, message => Warning?.Invoke(message));
        _stripes = new Stripe[StripeCount];
        for (int i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Stripe();
        }

        _flusher = new PeriodicFlush(FlushCore, flushInterval ?? s_defaultFlushInterval, "the usage store", () => Warning);
    }

    /// <summary>Receives problems worth telling the user that never stop routing (a corrupt store, a lock held too long).</summary>
    public Action<string>? Warning { get; set; }

    /// <summary>The store file.</summary>
    public string StoreFilePath => _store.FilePath;

    /// <summary>Where usage is also shared beyond this machine (Redis mode), local by default.</summary>
    public ISharedState Shared
    {
        get => _shared;
        set => _shared = value ?? LocalSharedState.Instance;
    }

    /// <summary>The clock buckets are cut by.</summary>
    public TimeProvider Time => _time;

    /// <summary>Adds <paramref name="delta"/> to the current hour of <paramref name="provider"/>/<paramref name="model"/>: the only work on the request thread.</summary>
    public void Record(string provider, string model, string? tierName, in UsageCounts delta)
    {
        var key = new UsageBucketKey(UsageBucketKey.HourOf(_time.GetUtcNow()), new UsageKey(provider, model, tierName ?? ""));
        Stripe stripe = _stripes[(key.Key.GetHashCode() & int.MaxValue) % StripeCount];
        lock (stripe.Gate)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(stripe.Pending, key, out _).Add(delta);
        }

        _shared.AddUsage(key, delta);

        _metrics?.RecordUsage(provider, model, tierName, delta);
    }

    /// <summary>
    /// Every bucket from hour <paramref name="fromHour"/> up to (not including) <paramref name="toHour"/>: what the store holds
    /// (every process's flushed counts) plus what this process counted and has not flushed yet.
    /// </summary>
    public Dictionary<UsageBucketKey, UsageCounts> Read(long fromHour, long toHour)
    {
        Dictionary<UsageBucketKey, UsageCounts> result = Filter(_store.TryRead() ?? new Dictionary<UsageBucketKey, UsageCounts>(), fromHour, toHour);
        foreach (Stripe stripe in _stripes)
        {
            lock (stripe.Gate)
            {
                foreach (KeyValuePair<UsageBucketKey, UsageCounts> pending in stripe.Pending)
                {
                    if (pending.Key.Hour >= fromHour && pending.Key.Hour < toHour)
                    {
                        CollectionsMarshal.GetValueRefOrAddDefault(result, pending.Key, out _).Add(pending.Value);
                    }
                }
            }
        }

        // Redis mode: every machine's buckets; the larger count per field wins, so neither view under-counts the other.
        _shared.MergeUsage(result, fromHour, toHour);
        return result;
    }

    /// <summary>Reads the buckets in [<paramref name="fromHour"/>, <paramref name="toHour"/>) of a store file, with no recorder running.</summary>
    public static Dictionary<UsageBucketKey, UsageCounts> ReadFile(string storeFilePath, long fromHour, long toHour) =>
        Filter(new UsageStore(storeFilePath, null).TryRead() ?? new Dictionary<UsageBucketKey, UsageCounts>(), fromHour, toHour);

    /// <summary>Merges the counts recorded since the last flush into the store.</summary>
    public Task FlushAsync(CancellationToken ct) => _flusher.FlushAsync(ct);

    /// <summary>Stops the background flush and writes what is still pending.</summary>
    public void Dispose() => _flusher.Dispose();

    private static Dictionary<UsageBucketKey, UsageCounts> Filter(Dictionary<UsageBucketKey, UsageCounts> map, long fromHour, long toHour)
    {
        var result = new Dictionary<UsageBucketKey, UsageCounts>();
        foreach (KeyValuePair<UsageBucketKey, UsageCounts> bucket in map)
        {
            if (bucket.Key.Hour >= fromHour && bucket.Key.Hour < toHour)
            {
                result[bucket.Key] = bucket.Value;
            }
        }

        return result;
    }

    private void FlushCore()
    {
        var taken = new List<KeyValuePair<UsageBucketKey, UsageCounts>>();
        foreach (Stripe stripe in _stripes)
        {
            lock (stripe.Gate)
            {
                if (stripe.Pending.Count > 0)
                {
                    taken.AddRange(stripe.Pending);
                    stripe.Pending.Clear();
                }
            }
        }

        if (taken.Count == 0)
        {
            return;
        }

        try
        {
            _store.Update(taken, _time.GetUtcNow());
            _flushFailing = false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Keep the counts: they go out with the next flush.
            foreach (KeyValuePair<UsageBucketKey, UsageCounts> bucket in taken)
            {
                Stripe stripe = _stripes[(bucket.Key.Key.GetHashCode() & int.MaxValue) % StripeCount];
                lock (stripe.Gate)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(stripe.Pending, bucket.Key, out _).Add(bucket.Value);
                }
            }

            if (!_flushFailing)
            {
                _flushFailing = true;
                Warning?.Invoke($"The usage store '{_store.FilePath}' could not be updated ({ex.Message}); counts are kept in memory and retried.");
            }
        }
    }

    private sealed class Stripe
    {
        public object Gate { get; } = new();

        public Dictionary<UsageBucketKey, UsageCounts> Pending { get; } = new();
    }
}
