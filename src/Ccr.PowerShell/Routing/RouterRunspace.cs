using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Ccr.Core.Routing;

namespace Ccr.PowerShell.Routing;

/// <summary>
/// One runspace of a router pool, with the script defined in it as a function and one reusable PowerShell instance. Calls are
/// started with BeginInvoke and end in a callback (PowerShellStandard 5.1 has no InvokeAsync), so no thread waits for a script;
/// the runspace runs every call on its own reused thread, never on the caller's or the PowerShell session's pipeline thread.
/// </summary>
internal sealed class RouterRunspace
{
    /// <summary>The name the script is defined under in its runspace.</summary>
    internal const string FunctionName = "Invoke-CcrRouterScript";

    private const int Idle = 0;
    private const int Busy = 1;
    private const int Discarded = 2;

    private static readonly AsyncCallback s_completed = Completed;

    private readonly Runspace _runspace;
    private System.Management.Automation.PowerShell? _shell;
    private System.Management.Automation.PowerShell? _spent;
    private int _state;

    private RouterRunspace(Runspace runspace)
    {
        _runspace = runspace;
    }

    /// <summary>Opens a runspace from <paramref name="sessionState"/> without blocking the caller.</summary>
    public static Task<RouterRunspace> OpenAsync(InitialSessionState sessionState)
    {
        Runspace runspace = RunspaceFactory.CreateRunspace(sessionState);

        // One thread per runspace, reused for every call: a new thread per call would cost more than a trivial script.
        runspace.ThreadOptions = PSThreadOptions.ReuseThread;
        var opened = new TaskCompletionSource<RouterRunspace>(TaskCreationOptions.RunContinuationsAsynchronously);
        runspace.StateChanged += (_, e) =>
        {
            switch (e.RunspaceStateInfo.State)
            {
                case RunspaceState.Opened:
                    opened.TrySetResult(new RouterRunspace(runspace));
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

    /// <summary>Starts one call; <paramref name="ended"/> runs when the pipeline has ended, however it ended.</summary>
    public Task<CustomRouteChoice> InvokeAsync(CustomRouteRequest request, Action<RouterRunspace> ended)
    {
        Volatile.Write(ref _state, Busy);

        // A shell whose call failed or was stopped is not reused; it is disposed here, off its own callback.
        _spent?.Dispose();
        _spent = null;
        System.Management.Automation.PowerShell shell = _shell ??= CreateShell();
        shell.Commands.Clear();
        shell.Streams.ClearStreams();
        shell.AddCommand(FunctionName).AddArgument(request);
        var call = new Call(this, shell, ended);
        shell.BeginInvoke<PSObject, PSObject>(null, call.Output, null, s_completed, call);
        return call.Task;
    }

    /// <summary>Asks a running call to stop, without waiting for it (BeginStop, not Stop).</summary>
    public void Stop()
    {
        try
        {
            _shell?.BeginStop(null, null);
        }
        catch (InvalidOperationException)
        {
            // It ended on its own in the meantime.
        }
    }

    /// <summary>Back to idle after a call ended; false when the runspace was discarded meanwhile.</summary>
    public bool TryMarkIdle() => Interlocked.CompareExchange(ref _state, Idle, Busy) == Busy;

    /// <summary>Gives up on a call that would not stop; false when it ended after all (the runspace is idle again).</summary>
    public bool TryDiscard() => Interlocked.CompareExchange(ref _state, Discarded, Busy) == Busy;

    /// <summary>Closes the runspace in the background; its thread ends when the close completes.</summary>
    public void Close()
    {
        _shell?.Dispose();
        _spent?.Dispose();
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

    private System.Management.Automation.PowerShell CreateShell()
    {
        System.Management.Automation.PowerShell shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = _runspace;
        return shell;
    }

    private static void Completed(IAsyncResult result)
    {
        var call = (Call)result.AsyncState!;
        call.Finish(result);
    }

    private static CustomRouteChoice Interpret(PSDataCollection<PSObject> output)
    {
        if (output.Count == 0)
        {
            return CustomRouteChoice.Keep;
        }

        if (output.Count > 1)
        {
            return new CustomRouteChoice(CustomRouteOutcome.NotAString, Detail: output.Count.ToString(CultureInfo.InvariantCulture) + " objects");
        }

        object? value = output[0]?.BaseObject;
        return value switch
        {
            null => CustomRouteChoice.Keep,
            string text => new CustomRouteChoice(CustomRouteOutcome.Value, text),
            _ => new CustomRouteChoice(CustomRouteOutcome.NotAString, Detail: "a " + value.GetType().Name),
        };
    }

    private static string Describe(RuntimeException e)
    {
        InvocationInfo? where = e.ErrorRecord?.InvocationInfo;
        return where is { ScriptLineNumber: > 0 }
            ? e.Message + " (line " + where.ScriptLineNumber.ToString(CultureInfo.InvariantCulture) + ")"
            : e.Message;
    }

    /// <summary>One call in flight: its output, its completion, and what to do when the pipeline ends.</summary>
    private sealed class Call
    {
        private readonly RouterRunspace _owner;
        private readonly System.Management.Automation.PowerShell _shell;
        private readonly Action<RouterRunspace> _ended;
        private readonly TaskCompletionSource<CustomRouteChoice> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Call(RouterRunspace owner, System.Management.Automation.PowerShell shell, Action<RouterRunspace> ended)
        {
            _owner = owner;
            _shell = shell;
            _ended = ended;
        }

        public PSDataCollection<PSObject> Output { get; } = new();

        public Task<CustomRouteChoice> Task => _done.Task;

        public void Finish(IAsyncResult result)
        {
            CustomRouteChoice choice;
            bool reusable = false;
            try
            {
                _shell.EndInvoke(result);
                choice = Interpret(Output);
                reusable = true;
            }
            catch (PipelineStoppedException)
            {
                choice = new CustomRouteChoice(CustomRouteOutcome.TimedOut);
            }
            catch (RuntimeException e)
            {
                choice = new CustomRouteChoice(CustomRouteOutcome.Threw, Detail: Describe(e));
            }
            catch (InvalidOperationException e)
            {
                choice = new CustomRouteChoice(CustomRouteOutcome.Threw, Detail: e.Message);
            }

            if (!reusable && ReferenceEquals(_owner._shell, _shell))
            {
                _owner._spent = _shell;
                _owner._shell = null;
            }

            _done.TrySetResult(choice);
            _ended(_owner);
        }
    }
}
