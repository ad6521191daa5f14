namespace Ccr.Core.Routing;

/// <summary>
/// Re-arms the attempt's timeout as data flows, so API_TIMEOUT_MS bounds silence rather than the
/// length of an answer; re-arming at most every 250 ms keeps timer work off the per-event path.
/// </summary>
internal struct IdleTimer
{
    private readonly AttemptDeadline _source;
    private readonly TimeSpan _timeout;
    private long _armedAt;

    public IdleTimer(AttemptDeadline source, TimeSpan timeout)
    {
        _source = source;
        _timeout = timeout;
        _armedAt = 0;
    }

    public void Touch()
    {
        long now = Environment.TickCount64;
        if (now - _armedAt >= 250)
        {
            _armedAt = now;
            _source.CancelAfter(_timeout);
        }
    }
}
