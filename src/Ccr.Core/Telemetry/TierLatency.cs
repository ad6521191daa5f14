namespace Ccr.Core.Telemetry;

/// <summary>One target's attempts, errors, latency and time to first byte, as <see cref="LiveTraffic"/> keeps them.</summary>
internal sealed class TierLatency
{
    private long _attempts;
    private long _errors;

    /// <summary>Whole-attempt latency (send to last byte).</summary>
    public RollingHistogram Latency { get; } = new();

    /// <summary>Time from sending to the first byte of a good answer (for a stream, its first event).</summary>
    public RollingHistogram FirstByte { get; } = new();

    /// <summary>Attempts since the proxy started.</summary>
    public long Attempts => Interlocked.Read(ref _attempts);

    /// <summary>Failed attempts since the proxy started.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public void Record(double latencyMs, bool failed, long minute)
    {
        Interlocked.Increment(ref _attempts);
        if (failed)
        {
            Interlocked.Increment(ref _errors);
        }

        Latency.Record(latencyMs, minute);
    }
}
