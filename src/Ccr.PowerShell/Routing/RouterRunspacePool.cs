using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using Ccr.Core.Routing;

namespace Ccr.PowerShell.Routing;

/// <summary>
/// The runspaces one router script runs in, owned by the proxy: a few (one per core, two to four) opened in the background,
/// each with the script defined as a function. A call takes an idle runspace (waiting, within its budget, when all are busy),
/// and a call that overruns its budget is stopped (RouterRunspace.Stop); the runspace comes back once its loop runs again. One that has
/// not ended a while after the stop (a script stuck in .NET code that does not heed stops) is given up and a fresh runspace
/// takes its place, so a runaway script never leaves later requests without one. A new script gets a new pool; the old one
/// closes each runspace as its last call ends.
/// </summary>
internal sealed class RouterRunspacePool : ICustomRouterScript
{
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(2);

    private readonly InitialSessionState _sessionState;
    private readonly string _sourceName;
    private readonly ConcurrentQueue<RouterRunspace> _idle = new();
    private readonly SemaphoreSlim _available = new(0, int.MaxValue);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<RouterRunspace> _callEnded;
    private int _disposed;

    public RouterRunspacePool(string scriptText, string sourceName, int size)
    {
        _sourceName = sourceName;
        _callEnded = OnCallEnded;
        UsesTokenCount = scriptText.Contains("TokenCount", StringComparison.OrdinalIgnoreCase);

        // The default session state, so a script has the usual cmdlets (Start-Sleep, Test-Path, Get-Content...), and nothing
        // of the session that started the proxy: no variables, no imported modules beyond autoloading.
        _sessionState = InitialSessionState.CreateDefault2();
        _sessionState.Commands.Add(new SessionStateFunctionEntry(RouterRunspace.FunctionName, scriptText));
        // Nobody may be waiting for Ready when a replaced pool fails it; observed here so it never surfaces as unobserved.
        _ready.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        for (int i = 0; i < size; i++)
        {
            _ = OpenOneAsync();
        }
    }

    /// <summary>One runspace per core, at least two (so one runaway call leaves one free) and at most four.</summary>
    public static int DefaultSize => Math.Clamp(Environment.ProcessorCount, 2, 4);

    public Task Ready => _ready.Task;

    public bool UsesTokenCount { get; }

    public async ValueTask<CustomRouteChoice> ChooseAsync(CustomRouteRequest request, CancellationToken budget)
    {
        if (!_available.Wait(0))
        {
            try
            {
                await _available.WaitAsync(budget).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new CustomRouteChoice(CustomRouteOutcome.TimedOut, Detail: "every router runspace was busy");
            }
        }

        if (Volatile.Read(ref _disposed) != 0 || !_idle.TryDequeue(out RouterRunspace? runspace))
        {
            return new CustomRouteChoice(CustomRouteOutcome.Unavailable, Detail: "the router script " + _sourceName + " is being replaced");
        }

        Task<CustomRouteChoice> call;
        try
        {
            call = runspace.InvokeAsync(request);
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidRunspaceStateException)
        {
            // A broken runspace: give it up and open another in its place.
            runspace.TryDiscard();
            runspace.Close();
            _ = OpenOneAsync();
            return new CustomRouteChoice(CustomRouteOutcome.Unavailable, Detail: "a router runspace failed: " + e.Message);
        }

        try
        {
            return await call.WaitAsync(budget).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            StopRunaway(runspace, call);
            return new CustomRouteChoice(CustomRouteOutcome.TimedOut);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _ready.TrySetException(new CustomRouterScriptException("The router script " + _sourceName + " was replaced before it was ready."));
            while (_idle.TryDequeue(out RouterRunspace? runspace))
            {
                runspace.Close();
            }
        }

        return ValueTask.CompletedTask;
    }

    private async Task OpenOneAsync()
    {
        RouterRunspace runspace;
        try
        {
            runspace = await RouterRunspace.OpenAsync(_sessionState, _callEnded).ConfigureAwait(false);
        }
        catch (CustomRouterScriptException e)
        {
            _ready.TrySetException(e);
            return;
        }

        Return(runspace);
        _ready.TrySetResult();
    }

    private void OnCallEnded(RouterRunspace runspace)
    {
        if (runspace.TryMarkIdle())
        {
            Return(runspace);
        }
        else
        {
            // Given up on: after a stop that took too long (its place was filled already), or because its loop would not
            // start again (its place is filled now).
            runspace.Close();
            if (runspace.Broken)
            {
                _ = OpenOneAsync();
            }
        }
    }

    private void Return(RouterRunspace runspace)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            runspace.Close();
            return;
        }

        _idle.Enqueue(runspace);
        _available.Release();
        if (Volatile.Read(ref _disposed) != 0 && _idle.TryDequeue(out RouterRunspace? late))
        {
            late.Close();
        }
    }

    private void StopRunaway(RouterRunspace runspace, Task<CustomRouteChoice> call)
    {
        if (runspace.Stop(call))
        {
            _ = GiveUpIfStuckAsync(runspace);
        }
    }

    private async Task GiveUpIfStuckAsync(RouterRunspace runspace)
    {
        await Task.Delay(s_stopGrace).ConfigureAwait(false);
        if (runspace.TryDiscard())
        {
            await OpenOneAsync().ConfigureAwait(false);
        }
    }
}
