namespace Ccr.Core.Routing;

/// <summary>
/// How long this process could not run its timers: a CPU-starved machine, a paused VM, a thread pool with no thread
/// free. Upstream timeouts give that time back (see <see cref="AttemptDeadline"/>), because an upstream cannot be
/// blamed for silence the proxy itself was not there to hear.
/// </summary>
/// <remarks>
/// It ticks only while some attempt is in flight, so an idle proxy does not wake the machine. A tick later than its
/// period by more than ordinary jitter counts the excess as stalled; a tick overdue right now counts too, so a deadline
/// that fires first after a pause already sees that pause.
/// </remarks>
internal static class StallMeter
{
    private const long TickMs = 50;

    // Lateness up to this per tick is normal scheduling noise on a busy machine, not a stall.
    private const long JitterMs = 15;

    private static readonly object s_gate = new();
    private static Timer? s_timer;
    private static int s_users;
    private static long s_lastTick;
    private static long s_stalledMs;

    /// <summary>An attempt starts relying on the meter.</summary>
    public static void Enter()
    {
        lock (s_gate)
        {
            if (s_users++ == 0)
            {
                s_lastTick = Environment.TickCount64;
                s_timer ??= new Timer(static _ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
                s_timer.Change(TickMs, TickMs);
            }
        }
    }

    /// <summary>An attempt no longer relies on the meter.</summary>
    public static void Exit()
    {
        lock (s_gate)
        {
            if (--s_users == 0)
            {
                s_timer!.Change(Timeout.Infinite, Timeout.Infinite);
            }
        }
    }

    /// <summary>Milliseconds stalled since the process started (only while metered), including a stall still going on at <paramref name="now"/>.</summary>
    public static long StalledMs(long now)
    {
        lock (s_gate)
        {
            return s_stalledMs + Late(now);
        }
    }

    private static long Late(long now) => s_users == 0 ? 0 : Math.Max(0, now - s_lastTick - TickMs - JitterMs);

    private static void Tick()
    {
        long now = Environment.TickCount64;
        lock (s_gate)
        {
            s_stalledMs += Late(now);
            s_lastTick = now;
        }
    }
}
