using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Ccr.Core.Routing;

namespace Ccr.PowerShell.Routing;

/// <summary>
/// One runspace of a router pool, with the script defined in it as a function. Rather than one PowerShell pipeline per call
/// (building a pipeline cost more than a trivial script, about 100 µs here), the runspace runs one long pipeline: a loop that
/// takes the next request from a queue, calls the function and hands the answer back through a delegate. The loop runs on the
/// runspace's own thread (ReuseThread), never on the caller's or the PowerShell session's pipeline thread, and no thread-pool
/// thread ever waits for it. A call that overruns its budget is ended by stopping the loop (BeginStop, and the loop's token for
/// a loop waiting in Take); the loop is then started again and the runspace goes back to its pool.
/// </summary>
internal sealed class RouterRunspace
{
    /// <summary>The name the script is defined under in its runspace.</summary>
    internal const string FunctionName = "Invoke-CcrRouterScript";

    private const int Idle = 0;
    private const int Busy = 1;
    private const int Discarded = 2;

    // The script block is looked up once, not per call. The one-pass do/while keeps a break or continue the script leaves uncaught inside this call instead of ending the loop.
    private const string LoopScript = """
        param($requests, $done, $failed, $stopping)
        $router = ${function:Invoke-CcrRouterScript}
        while ($true) {
            $request = $requests.Take($stopping)
            try {
                $result = $null
                do { $result = & $router $request } while ($false)
                $done.Invoke($result)
            }
            catch { $failed.Invoke($_) }
        }
        """;

    private readonly Runspace _runspace;
    private readonly BlockingCollection<CustomRouteRequest> _requests = new(new ConcurrentQueue<CustomRouteRequest>(), 1);
    private readonly Action<object?> _done;
    private readonly Action<ErrorRecord> _failed;
    private readonly AsyncCallback _loopEnded;
    private Action<RouterRunspace>? _ended;
    private TaskCompletionSource<CustomRouteChoice>? _current;
    private System.Management.Automation.PowerShell? _loop;
    private CancellationTokenSource? _loopStop;
    private int _state;
    private int _closed;

    private RouterRunspace(Runspace runspace)
    {
        _runspace = runspace;
        _done = OnDone;
        _failed = OnFailed;
        _loopEnded = OnLoopEnded;
    }

    /// <summary>Opens a runspace from <paramref name="sessionState"/> and starts its loop, without blocking the caller.</summary>
    public static Task<RouterRunspace> OpenAsync(InitialSessionState sessionState, Action<RouterRunspace> ended)
    {
        Runspace runspace = RunspaceFactory.CreateRunspace(sessionState);

        // One thread per runspace, reused by its loop: the loop's pipeline is started again after a stop, on the same thread.
        runspace.ThreadOptions = PSThreadOptions.ReuseThread;
        var opened = new TaskCompletionSource<RouterRunspace>(TaskCreationOptions.RunContinuationsAsynchronously);
        runspace.StateChanged += (_, e) =>
        {
            switch (e.RunspaceStateInfo.State)
            {
                case RunspaceState.Opened:
                    var router = new RouterRunspace(runspace) { _ended = ended };

                    // Started off this event's thread: the runspace is still finishing its open here.
                    ThreadPool.UnsafeQueueUserWorkItem(static state =>
                    {
                        var (r, tcs) = ((RouterRunspace, TaskCompletionSource<RouterRunspace>))state!;
                        try
                        {
                            r.StartLoop();
                            tcs.TrySetResult(r);
                        }
                        catch (Exception ex) when (ex is not OutOfMemoryException)
                        {
                            tcs.TrySetException(new CustomRouterScriptException("A router runspace did not start: " + ex.Message, ex));
                        }
                    }, (router, opened));
                    break;
                case RunspaceState.Broken:
                case RunspaceState.Closed:
                    opened.TrySetException(new CustomRouterScriptException(
                        "A router runspace did not open: " + (e.RunspaceStateInfo.Reason?.Message ?? e.RunspaceStateInfo.State.ToString())));
                    break;
            }
        };
        runspace.OpenAsync();
        return opened.Task;
    }

    /// <summary>Hands one request to the loop; the task completes with the script's answer, or when the loop is stopped.</summary>
    public Task<CustomRouteChoice> InvokeAsync(CustomRouteRequest request)
    {
        Volatile.Write(ref _state, Busy);
        // No RunContinuationsAsynchronously: see Finish.
        var call = new TaskCompletionSource<CustomRouteChoice>();
        Volatile.Write(ref _current, call);
        if (!_requests.TryAdd(request))
        {
            Volatile.Write(ref _current, null);
            throw new InvalidOperationException("the router runspace's queue is not empty");
        }

        return call.Task;
    }

    /// <summary>
    /// Ends <paramref name="call"/> if it is still in flight: a call that finished meanwhile gave the runspace back, and the
    /// runspace may already serve someone else's call, which must not be stopped.
    /// </summary>
    /// <returns>False when the call had already finished.</returns>
    public bool Stop(Task<CustomRouteChoice> call)
    {
        if (!ReferenceEquals(Volatile.Read(ref _current)?.Task, call))
        {
            return false;
        }

        Stop();
        return true;
    }

    /// <summary>
    /// Stops the loop without waiting for it (BeginStop, not Stop: PowerShell runs an asynchronous stop of a local pipeline on
    /// a thread of its own, so not even a script stuck in .NET code, which ignores stops, holds a thread-pool thread); unless
    /// the runspace is closing, the loop starts again by itself once it has stopped.
    /// </summary>
    private void Stop()
    {
        try
        {
            _loopStop?.Cancel();
            _loop?.BeginStop(null, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // It ended, or was disposed, in the meantime; PowerShell then throws from its stop (NullReferenceException
            // included), and a timed-out request must go on with Ccr's choice whatever the stop did.
        }
    }

    /// <summary>True once the loop could not be started again: the runspace is discarded and its place must be filled.</summary>
    public bool Broken { get; private set; }

    /// <summary>Back to idle after a call ended; false when the runspace was discarded meanwhile.</summary>
    public bool TryMarkIdle() => Interlocked.CompareExchange(ref _state, Idle, Busy) == Busy;

    /// <summary>Gives up on a call that would not stop; false when it ended after all (the runspace is idle again).</summary>
    public bool TryDiscard() => Interlocked.CompareExchange(ref _state, Discarded, Busy) == Busy;

    /// <summary>Ends the loop and closes the runspace in the background.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        Stop();
        _runspace.StateChanged += (_, e) =>
        {
            if (e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken)
            {
                _runspace.Dispose();
            }
        };

        try
        {
            _runspace.CloseAsync();
        }
        catch (InvalidRunspaceStateException)
        {
            _runspace.Dispose();
        }
    }

    private void StartLoop()
    {
        _loop?.Dispose();
        _loopStop?.Dispose();
        _loopStop = new CancellationTokenSource();
        System.Management.Automation.PowerShell loop = System.Management.Automation.PowerShell.Create();
        loop.Runspace = _runspace;
        loop.AddScript(LoopScript, useLocalScope: true)
            .AddArgument(_requests)
            .AddArgument(_done)
            .AddArgument(_failed)
            .AddArgument(_loopStop.Token);
        _loop = loop;
        loop.BeginInvoke<PSObject, PSObject>(null, new PSDataCollection<PSObject>(), null, _loopEnded, loop);
    }

    private void OnDone(object? result) => Finish(Interpret(result));

    private void OnFailed(ErrorRecord error) => Finish(new CustomRouteChoice(CustomRouteOutcome.Threw, Detail: Describe(error)));

    private void Finish(CustomRouteChoice choice)
    {
        TaskCompletionSource<CustomRouteChoice>? call = Interlocked.Exchange(ref _current, null);
        if (call is not null)
        {
            // The runspace goes back to its pool first, then the request goes on inline on this thread until its first real
            // wait (the upstream send), instead of waking a thread-pool thread for it: that wake was a large share of what a
            // trivial script cost per request. A request handed to this runspace meanwhile waits in its queue only until
            // this one yields; the continuation is the request's own async code, which never throws into this frame.
            _ended?.Invoke(this);
            call.TrySetResult(choice);
        }
    }

    private void OnLoopEnded(IAsyncResult result)
    {
        var loop = (System.Management.Automation.PowerShell)result.AsyncState!;
        string why = "the router loop ended";
        try
        {
            loop.EndInvoke(result);
            why = "the script ended the router loop (exit?)";
        }
        catch (PipelineStoppedException)
        {
            why = "";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever ended the loop, this callback runs on PowerShell's thread and must not throw.
            why = e.Message;
        }

        // The call in flight, if any, ends here: stopped for its budget, or cut short by what ended the loop.
        TaskCompletionSource<CustomRouteChoice>? call = Interlocked.Exchange(ref _current, null);
        while (_requests.TryTake(out _))
        {
        }

        if (Volatile.Read(ref _closed) != 0)
        {
            call?.TrySetResult(new CustomRouteChoice(CustomRouteOutcome.Unavailable, Detail: "the router script was replaced"));
            return;
        }

        // Started again from the thread pool: this callback runs while the old pipeline is still finishing on the runspace.
        ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            var (self, pending, reason) = ((RouterRunspace, TaskCompletionSource<CustomRouteChoice>?, string))state!;
            try
            {
                self.StartLoop();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A runspace whose loop cannot start again is given up; its pool opens another in its place.
                self.Broken = true;
                self.TryDiscard();
            }

            if (pending is not null)
            {
                pending.TrySetResult(reason.Length == 0
                    ? new CustomRouteChoice(CustomRouteOutcome.TimedOut)
                    : new CustomRouteChoice(CustomRouteOutcome.Threw, Detail: reason));
                self._ended?.Invoke(self);
            }
        }, (this, call, why));
    }

    private static CustomRouteChoice Interpret(object? result)
    {
        object? value = result is PSObject wrapped ? wrapped.BaseObject : result;
        switch (value)
        {
            case null:
                return CustomRouteChoice.Keep;
            case string text:
                return new CustomRouteChoice(CustomRouteOutcome.Value, text);
            case object[] many:
                return new CustomRouteChoice(CustomRouteOutcome.NotAString, Detail: many.Length.ToString(CultureInfo.InvariantCulture) + " objects");
            default:
                return new CustomRouteChoice(CustomRouteOutcome.NotAString, Detail: "a " + value.GetType().Name);
        }
    }

    private static string Describe(ErrorRecord error)
    {
        int line = error.InvocationInfo?.ScriptLineNumber ?? 0;
        string message = error.Exception?.Message ?? error.ToString();
        return line > 0 ? message + " (line " + line.ToString(CultureInfo.InvariantCulture) + ")" : message;
    }
}
