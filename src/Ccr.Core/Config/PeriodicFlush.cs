namespace Ccr.Core.Config;

/// <summary>
/// Writes what a shared state file's owner counted in memory (quota, usage) on a background cadence, on demand, and a
/// last time at dispose, one write at a time, so the request path only ever adds to memory.
/// </summary>
internal sealed class PeriodicFlush : IDisposable
{
    private readonly Action _flush;
    private readonly Func<Action<string>?> _warning;
    private readonly string _what;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;

    /// <param name="flush">Writes what is pending; called under the gate only.</param>
    /// <param name="interval">The background cadence; <see cref="TimeSpan.Zero"/> for none (only <see cref="FlushAsync"/> and <see cref="Dispose"/> write).</param>
    /// <param name="what">The file, for the warning when a background write fails ("the quota store").</param>
    /// <param name="warning">Where that warning goes (read when it happens, so the owner may set it later).</param>
    public PeriodicFlush(Action flush, TimeSpan interval, string what, Func<Action<string>?> warning)
    {
        _flush = flush;
        _what = what;
        _warning = warning;
        if (interval > TimeSpan.Zero)
        {
            // Fire and forget: the loop reports its own failures, and Dispose does not wait for it (see there).
            _ = Task.Run(() => RunAsync(interval, _stop.Token));
        }
    }

    /// <summary>Writes what is pending now, after any write in progress; nothing once disposed.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // After Dispose has written the last counts, a late tick of the background loop has nothing to add.
            if (Volatile.Read(ref _disposed) == 0)
            {
                _flush();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the background loop and writes what is still pending.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // The loop is told to stop but not waited for: noticing the cancel takes a thread-pool thread, and a disposer
        // that blocks one to wait for it starves the pool on a small machine (a session that lost the bind race in a
        // handoff disposed its engine this way and held up every request in the process for about a second per store).
        // The gate puts the last write after any write in progress, and FlushAsync writes nothing once disposed.
        _stop.Cancel();
        _gate.Wait();
        try
        {
            _flush();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RunAsync(TimeSpan interval, CancellationToken ct)
    {
        // The cadence is an I/O concern, not quota or usage time, so it runs on the real clock.
        using var timer = new PeriodicTimer(interval, TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await FlushAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _warning()?.Invoke("Writing " + _what + " failed: " + ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposal.
        }
    }
}
