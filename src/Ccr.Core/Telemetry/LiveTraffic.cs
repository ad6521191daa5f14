using System.Collections.Concurrent;

namespace Ccr.Core.Telemetry;

/// <summary>
/// What the dashboard shows that no other part keeps: per-target latency and time to first byte over the last minutes,
/// and requests and errors per second. Fed from the request path, so every call is a dictionary lookup and a few
/// interlocked increments; <c>GET /ccr/dashboard</c> reads it (see <c>Server/LiveReport</c>).
/// </summary>
internal sealed class LiveTraffic
{
    private readonly ConcurrentDictionary<string, TierLatency> _targets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public LiveTraffic(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Requests and errors per second.</summary>
    public TrafficRing Traffic { get; } = new();

    /// <summary>The clock the figures are stamped with.</summary>
    public TimeProvider Time => _time;

    /// <summary>Counts one upstream attempt on <paramref name="targetKey"/> (<c>provider,model</c>).</summary>
    public void RecordAttempt(string targetKey, double latencyMs, bool failed) => Target(targetKey).Record(latencyMs, failed, Minute());

    /// <summary>Notes how long a good answer from <paramref name="targetKey"/> took to its first byte (a stream: its first event).</summary>
    public void RecordFirstByte(string targetKey, double milliseconds) => Target(targetKey).FirstByte.Record(milliseconds, Minute());

    /// <summary>Counts one client request to a Messages-like endpoint as it ends.</summary>
    public void RecordRequest(bool failed) => Traffic.Record(_time.GetUtcNow().ToUnixTimeSeconds(), failed);

    /// <summary>The figures of <paramref name="targetKey"/>, or null before its first attempt.</summary>
    public TierLatency? Find(string targetKey) => _targets.TryGetValue(targetKey, out TierLatency? target) ? target : null;

    private TierLatency Target(string targetKey) =>
        _targets.TryGetValue(targetKey, out TierLatency? target) ? target : _targets.GetOrAdd(targetKey, static _ => new TierLatency());

    private long Minute() => _time.GetUtcNow().ToUnixTimeSeconds() / 60;
}
