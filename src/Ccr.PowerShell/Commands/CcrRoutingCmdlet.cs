using Ccr.Core.Config;
using Ccr.Core.Routing;
using Ccr.Core.Server;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// Base of the cmdlets that send requests through a router. They borrow the engine of a proxy in this
/// session that serves the same config (so tier health and quota are shared), or build one for the
/// pipeline and dispose it at its end; Ctrl+C cancels the call in flight.
/// </summary>
public abstract class CcrRoutingCmdlet : CcrConfigCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private RouterEngine? _engine;
    private bool _ownsEngine;

    /// <summary>True once the user pressed Ctrl+C.</summary>
    protected bool IsCancelled => _cancel.IsCancellationRequested;

    /// <summary>Cancelled by Ctrl+C.</summary>
    protected CancellationToken Cancellation => _cancel.Token;

    /// <summary>Releases a router built for this pipeline (also when the pipeline stops early).</summary>
    public void Dispose()
    {
        RouterEngine? engine = _engine;
        _engine = null;
        if (engine is not null && _ownsEngine)
        {
            engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Releases a router built for this pipeline.</summary>
    protected override void EndProcessing() => Dispose();

    /// <summary>Ctrl+C: cancels the upstream call.</summary>
    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>
    /// The engine for <paramref name="configPath"/>: the first call borrows the session proxy's when it serves
    /// that file (returned in <paramref name="proxy"/>), else builds one from <paramref name="loadConfig"/>; later
    /// calls return the same engine (and no proxy).
    /// </summary>
    private protected RouterEngine EngineFor(string configPath, Func<CcrConfig> loadConfig, out CcrProxy? proxy)
    {
        proxy = null;
        if (_engine is not null)
        {
            return _engine;
        }

        proxy = CcrSession.FindProxyServing(configPath);
        if (proxy is not null)
        {
            _engine = proxy.Engine;
            return _engine;
        }

        _engine = new RouterEngine(loadConfig(), new RouterEngineOptions());
        _ownsEngine = true;
        return _engine;
    }
}
