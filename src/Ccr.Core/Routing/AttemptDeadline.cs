namespace Ccr.Core.Routing;

/// <summary>
/// An attempt's API_TIMEOUT_MS as a cancellation token, counted in time the proxy could actually run.
/// </summary>
/// <remarks>
/// A plain CancelAfter measures the machine as much as the upstream: when the proxy is starved of CPU or paused,
/// the answer sits unread in a socket while the timer comes due, and the first thing the process does when it runs
/// again is cancel every attempt in flight. Each such timeout counts as a tier failure, so a stall of a second or two
/// can open the circuit on every tier, healthy ones included, and fail every request for the next 30 s (pausing the
/// test host for 1.5 s made FaultInjectionTests lose requests; on a 2-core CI machine it once lost 491 of 1,000).
/// So the deadline is "API_TIMEOUT_MS of running time": when the timer
/// comes due, the time <see cref="StallMeter"/> saw the process stalled since arming is subtracted from the wall
/// time, and only an attempt that really had its whole budget is cancelled. After a long pause the upstream gets at
/// most the rest of its budget, never the length of the pause; and as long as the process runs at all, the running
/// time grows, so every attempt still ends.
/// </remarks>
internal sealed class AttemptDeadline : IDisposable
{
    // A smaller remainder is within the meter's jitter: not worth another timer round trip.
    private const long MinRemainingMs = 20;

    private readonly CancellationTokenSource _source;
    private readonly Timer _timer;
    private readonly object _gate = new();
    private long _timeoutMs;
    private long _armedAt;
    private long _stallAtArm;
    private bool _disposed;

    public AttemptDeadline(CancellationToken linked, TimeSpan timeout)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(linked);
        StallMeter.Enter();
        _timer = new Timer(static state => ((AttemptDeadline)state!).OnDue(), this, Timeout.Infinite, Timeout.Infinite);
        CancelAfter(timeout);
    }

    public CancellationToken Token => _source.Token;

    /// <summary>Re-arms the deadline: the token is cancelled after <paramref name="timeout"/> of the proxy's own running time.</summary>
    public void CancelAfter(TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _timeoutMs = Math.Max(1, (long)timeout.TotalMilliseconds);
            _armedAt = Environment.TickCount64;
            _stallAtArm = StallMeter.StalledMs(_armedAt);
            _timer.Change(_timeoutMs, Timeout.Infinite);
        }
    }

    public Task CancelAsync() => _source.CancelAsync();

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _timer.Dispose();
        StallMeter.Exit();
        _source.Dispose();
    }

    private void OnDue()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            long now = Environment.TickCount64;
            long ran = now - _armedAt - (StallMeter.StalledMs(now) - _stallAtArm);
            long remaining = _timeoutMs - ran;
            if (remaining >= MinRemainingMs)
            {
                _timer.Change(remaining, Timeout.Infinite);
                return;
            }
        }

        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The attempt ended and disposed the deadline while it came due: nothing is left to cancel.
        }
    }
}
