namespace Ccr.Core.Routing;

/// <summary>
/// One re-armable deadline of an attempt (first byte, then idle) as a cancellation token, counted in time the proxy
/// could actually run.
/// </summary>
/// <remarks>
/// A plain CancelAfter measures the machine as much as the upstream: when the proxy is starved of CPU or paused,
/// the answer sits unread in a socket while the timer comes due, and the first thing the process does when it runs
/// again is cancel every attempt in flight. Each such timeout counts as a tier failure, so a stall of a second or two
/// can open the circuit on every tier, healthy ones included, and fail every request for the next 30 s (pausing the
/// test host for 1.5 s made FaultInjectionTests lose requests; on a 2-core CI machine it once lost 491 of 1,000; a
/// laptop waking from sleep is the same case). So the deadline is "this long of running time": when the timer comes
/// due, the time <see cref="StallMeter"/> saw the process stalled since arming is subtracted from the elapsed time,
/// and only an attempt that really had its whole budget is cancelled. After a long pause the upstream gets at most the
/// rest of its budget, never the length of the pause; as long as the process runs at all, running time grows, so
/// every attempt still ends.
/// </remarks>
internal sealed class AttemptDeadline : IDisposable
{
    // A smaller remainder is within the meter's jitter: not worth another timer round trip.
    private static readonly TimeSpan s_minRemaining = TimeSpan.FromMilliseconds(20);

    private readonly CancellationTokenSource _source;
    private readonly bool _ownsSource;
    private readonly TimeProvider _time;
    private readonly bool _countStalls;
    private readonly ITimer _timer;
    private readonly object _gate = new();
    private TimeSpan _timeout;
    private long _armedAt;
    private long _stallAtArm;
    private bool _disposed;

    /// <summary>A deadline of its own, armed at <paramref name="timeout"/> from now on <paramref name="time"/>.</summary>
    public AttemptDeadline(TimeProvider time, TimeSpan timeout)
        : this(new CancellationTokenSource(), ownsSource: true, time)
    {
        CancelAfter(timeout);
    }

    /// <summary>A deadline that cancels <paramref name="source"/>, which the caller owns; not armed until <see cref="CancelAfter"/>.</summary>
    public AttemptDeadline(CancellationTokenSource source, TimeProvider time)
        : this(source, ownsSource: false, time)
    {
    }

    private AttemptDeadline(CancellationTokenSource source, bool ownsSource, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(time);
        _source = source;
        _ownsSource = ownsSource;
        _time = time;

        // The stall meter reads the real clock, so it can only correct deadlines that run on the real clock: a test's
        // fake clock stalls exactly when the test says so, and must fire exactly when advanced.
        _countStalls = ReferenceEquals(time, TimeProvider.System);
        if (_countStalls)
        {
            StallMeter.Enter();
        }

        _timer = time.CreateTimer(static state => ((AttemptDeadline)state!).OnDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public CancellationToken Token => _source.Token;

    public bool IsCancellationRequested => _source.IsCancellationRequested;

    /// <summary>Re-arms the deadline: the token is cancelled after <paramref name="timeout"/> of the proxy's own running time.</summary>
    public void CancelAfter(TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _timeout = timeout > TimeSpan.Zero ? timeout : TimeSpan.FromMilliseconds(1);
            _armedAt = _time.GetTimestamp();
            _stallAtArm = _countStalls ? StallMeter.StalledMs(Environment.TickCount64) : 0;
            _timer.Change(_timeout, Timeout.InfiniteTimeSpan);
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
        if (_countStalls)
        {
            StallMeter.Exit();
        }

        if (_ownsSource)
        {
            _source.Dispose();
        }
    }

    private void OnDue()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_countStalls)
            {
                TimeSpan stalled = TimeSpan.FromMilliseconds(StallMeter.StalledMs(Environment.TickCount64) - _stallAtArm);
                TimeSpan remaining = _timeout - (_time.GetElapsedTime(_armedAt) - stalled);
                if (remaining >= s_minRemaining)
                {
                    _timer.Change(remaining, Timeout.InfiniteTimeSpan);
                    return;
                }
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
