using Ccr.Core.Config;
using Ccr.Core.Health;
using Ccr.Core.Persistence;
using Ccr.Core.Providers;
using Ccr.Core.Quota;
using Ccr.Core.Sessions;
using Ccr.Core.Telemetry;
using Ccr.Core.Usage;

namespace Ccr.Core.Routing;

/// <summary>
/// Everything needed to route a request, shared by the HTTP server and Invoke-CcrMessage: the
/// current config snapshot, quota and health state, the upstream client, the log and the metrics.
/// </summary>
internal sealed class RouterEngine : IAsyncDisposable
{
    private volatile ConfigSnapshot _snapshot;
    private volatile ISharedState _shared;

    public RouterEngine(CcrConfig config, RouterEngineOptions? options = null)
    {
        options ??= new RouterEngineOptions();
        Time = options.Time;
        _snapshot = new ConfigSnapshot(config);
        RegisterSecrets(config);
        string stateFolder = options.StateFolder ?? ConfigPaths.StateFolder;
        Directory.CreateDirectory(stateFolder);
        Log = new DecisionLog(options.LogFolder ?? ConfigPaths.LogFolder, config.Log, config.LogLevel);
        Quota = new QuotaTracker(Path.Combine(stateFolder, "quota.json"), Time) { Warning = message => Log.Warn(message) };
        Health = new TierHealth(Time);
        Metrics = new CcrMetrics();
        Usage = new UsageRecorder(Path.Combine(stateFolder, "usage.json"), Time, Metrics, message => Log.Warn(message));
        Metrics.AddScrapeSection(text => QuotaGauges.Render(text, Snapshot.Config, Quota));
        _shared = SharedStateFactory.Create(config, Time, message => Log.Warn(message), message => Log.Info(message));
        Quota.Shared = _shared;
        Health.Shared = _shared;
        Usage.Shared = _shared;
        Sessions = new SessionTracker(Time);
        Live = new LiveTraffic(Time);
        Upstream = new UpstreamClient(config.ProxyUrl);
        Router = new MessageRouter(this);
    }

    public TimeProvider Time { get; }

    public ConfigSnapshot Snapshot => _snapshot;

    public QuotaTracker Quota { get; }

    public TierHealth Health { get; }

    /// <summary>Usage per provider and model in hourly buckets, shared through the store file.</summary>
    public UsageRecorder Usage { get; }

    public DecisionLog Log { get; }

    /// <summary>
    /// Quota, usage and cooldowns shared beyond this machine (<c>Persistence</c>); local by default. A reload that changes
    /// the Persistence block swaps in a new one (the old one sends what it holds and closes in the background).
    /// </summary>
    public ISharedState Shared => _shared;

    public CcrMetrics Metrics { get; }

    /// <summary>Which target last answered each Claude Code session, for the status line.</summary>
    public SessionTracker Sessions { get; }

    public UpstreamClient Upstream { get; }

    /// <summary>Per-target latency and traffic per second, for the dashboard (<c>GET /ccr/dashboard</c>).</summary>
    public LiveTraffic Live { get; }

    public MessageRouter Router { get; }

    /// <summary>The custom router script's slot when the host can run scripts (a proxy started by the PowerShell module), else null.</summary>
    public CustomRouterSlot? CustomRouter { get; private set; }

    /// <summary>Gives the engine a custom router slot; called once, by the proxy that owns the engine, before it serves.</summary>
    public CustomRouterSlot UseCustomRouter(Func<string, string, ICustomRouterScript>? compiler, Action<string>? warning)
    {
        CustomRouter = new CustomRouterSlot(compiler, Log, warning);
        CustomRouter.Apply(Snapshot.Config);
        return CustomRouter;
    }

    /// <summary>Swaps in a reloaded config; requests already running keep the snapshot they started with.</summary>
    public void Apply(CcrConfig config)
    {
        RegisterSecrets(config);
        PersistenceConfig before = _snapshot.Config.Persistence;
        PersistenceConfig after = config.Persistence;
        if (after.Mode != before.Mode || after.Prefix != before.Prefix
            || after.Redis?.Display != before.Redis?.Display || after.Redis?.Password != before.Redis?.Password)
        {
            ISharedState previous = _shared;
            ISharedState next = SharedStateFactory.Create(config, Time, message => Log.Warn(message), message => Log.Info(message));
            _shared = next;
            Quota.Shared = next;
            Health.Shared = next;
            Usage.Shared = next;
            Log.Info("Persistence changed in the config: " + previous.Status.Describe() + " gives way to " + next.Status.Describe() + ".");
            _ = CloseAsync(previous);
        }
        else
        {
            _shared.Bind(config);
        }

        _snapshot = new ConfigSnapshot(config);
        CustomRouter?.Apply(config);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (CustomRouter is not null)
            {
                await CustomRouter.DisposeAsync().ConfigureAwait(false);
            }

            await Quota.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            Quota.Dispose();
            Usage.Dispose();
            await _shared.DisposeAsync().ConfigureAwait(false);
            Upstream.Dispose();
            Metrics.Dispose();
            await Log.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task CloseAsync(ISharedState previous)
    {
        // Not awaited by the reload: closing sends what the old one still holds, which may wait on a slow Redis.
        try
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.Warn("Closing the previous shared state failed: " + ex.Message);
        }
    }

    private static void RegisterSecrets(CcrConfig config)
    {
        // Known before the first request so no log line or error can ever carry them.
        if (!string.IsNullOrEmpty(config.ApiKey))
        {
            SecretRedactor.Register(config.ApiKey);
        }

        foreach (ProviderConfig provider in config.Providers)
        {
            if (!string.IsNullOrEmpty(provider.ApiKey))
            {
                SecretRedactor.Register(provider.ApiKey);
            }
        }
    }
}
