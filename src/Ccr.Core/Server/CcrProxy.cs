using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ccr.Core.Config;
using Ccr.Core.Routing;
using Ccr.Core.Server.Http;

namespace Ccr.Core.Server;

/// <summary>
/// A running Ccr proxy in this process: the HTTP server, the router engine and the config watcher.
/// Every proxy started in a process is listed in <see cref="InProcess"/> so a second Start-CcrProxy
/// can find and return it.
/// </summary>
public sealed class CcrProxy : IAsyncDisposable
{
    private static readonly object s_registryLock = new();
    private static readonly List<CcrProxy> s_running = new();

    private readonly ProxyServer _server;
    private readonly ConfigWatcher? _watcher;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _stateFolder;
    private readonly string _controlToken;
    private int _stopped;

    private CcrProxy(RouterEngine engine, ProxyServer server, ConfigWatcher? watcher, int port, string host, string? configPath, ProxyMode mode, DateTimeOffset startedAt, string stateFolder, string controlToken)
    {
        _stateFolder = stateFolder;
        _controlToken = controlToken;
        Engine = engine;
        _server = server;
        _watcher = watcher;
        Port = port;
        Host = host;
        ConfigPath = configPath;
        Mode = mode;
        StartedAt = startedAt;
        BaseUrl = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{(Loopback.IsLoopback(host) ? "127.0.0.1" : host)}:{port}/"));
    }

    /// <summary>The proxies running in this process.</summary>
    public static IReadOnlyList<CcrProxy> InProcess
    {
        get
        {
            lock (s_registryLock)
            {
                return s_running.ToArray();
            }
        }
    }

    /// <summary>The port served.</summary>
    public int Port { get; }

    /// <summary>The bound host.</summary>
    public string Host { get; }

    /// <summary>The URL clients use (ANTHROPIC_BASE_URL).</summary>
    public Uri BaseUrl { get; }

    /// <summary>The config file, or null.</summary>
    public string? ConfigPath { get; }

    /// <summary>How it is hosted.</summary>
    public ProxyMode Mode { get; }

    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>This process.</summary>
    public int ProcessId { get; } = Environment.ProcessId;

    /// <summary>Requests answered so far.</summary>
    public long RequestsServed => _server.RequestsServed;

    /// <summary>Requests being handled right now; a request's log lines are written before it stops counting.</summary>
    internal int RequestsInFlight => _server.InFlight;

    /// <summary>Client connections taken from the listen backlog so far.</summary>
    internal long ConnectionsAccepted => _server.ConnectionsAccepted;

    /// <summary>Streams open right now.</summary>
    public long ActiveStreams => Engine.Metrics.ActiveStreams;

    /// <summary>True until <see cref="StopAsync"/>.</summary>
    public bool IsRunning => Volatile.Read(ref _stopped) == 0;

    /// <summary>The decision log file, or null when logging is off.</summary>
    public string? LogFilePath => Engine.Log.CurrentFilePath;

    /// <summary>Completes when the proxy has stopped (by <see cref="StopAsync"/> or a shutdown request from another session).</summary>
    public Task Completion => _completion.Task;

    internal RouterEngine Engine { get; }

    /// <summary>Completes when the custom router script named by the config has loaded or been refused (at once when there is none).</summary>
    internal Task CustomRouterLoaded => Engine.CustomRouter?.FileLoaded ?? Task.CompletedTask;

    /// <summary>Why the config's custom router script was last refused, or null.</summary>
    internal string? CustomRouterLoadError => Engine.CustomRouter?.LastLoadError;

    /// <summary>Gives every request of this proxy to <paramref name="scriptText"/> (Register-CcrRouter) once it has compiled.</summary>
    /// <exception cref="CustomRouterScriptException">It does not parse or cannot run here; the script in use stays.</exception>
    internal Task RegisterCustomRouterAsync(string scriptText, string sourceName) =>
        Engine.CustomRouter?.RegisterAsync(scriptText, sourceName) ?? throw new CustomRouterScriptException("This proxy has no custom router support.");

    /// <summary>Removes the script <see cref="RegisterCustomRouterAsync"/> installed; false when there was none.</summary>
    internal Task<bool> UnregisterCustomRouterAsync() => Engine.CustomRouter?.UnregisterAsync() ?? Task.FromResult(false);

    /// <summary>Finds a proxy running in this process on <paramref name="port"/>.</summary>
    public static CcrProxy? FindInProcess(int port)
    {
        lock (s_registryLock)
        {
            return s_running.Find(p => p.Port == port);
        }
    }

    /// <summary>Loads the config, binds the port and starts serving; returns once the port is bound.</summary>
    /// <exception cref="ProxyStartException">The config is invalid, the port is taken, or a non-loopback HOST has no APIKEY.</exception>
    public static CcrProxy Start(CcrProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // The proxy outlives the call that starts it. Started from a PowerShell runspace it would otherwise
        // capture that runspace's ExecutionContext (culture and PowerShell's AsyncLocals) into its accept loop,
        // timers and background writers, and every socket continuation would restore it: measurable CPU on
        // every request for state the proxy never reads.
        if (ExecutionContext.IsFlowSuppressed())
        {
            return StartCore(options);
        }

        using AsyncFlowControl flow = ExecutionContext.SuppressFlow();
        return StartCore(options);
    }

    private static CcrProxy StartCore(CcrProxyOptions options)
    {
        string configPath = ConfigPaths.Resolve(options.ConfigPath);
        ConfigWatcher watcher;
        try
        {
            // The watcher loads the file itself and keeps the last good config across edits.
            watcher = new ConfigWatcher(configPath);
        }
        catch (ConfigException e)
        {
            throw new ProxyStartException(ProxyStartFailure.ConfigInvalid, options.Port ?? CcrInfo.DefaultPort,
                "The config cannot be used:" + Environment.NewLine + string.Join(Environment.NewLine, e.Diagnostics), e);
        }

        CcrConfig config = watcher.Current;
        string host = options.Host ?? config.Host;
        int requestedPort = options.Port ?? config.Port;
        if (!Loopback.IsLoopback(host) && string.IsNullOrEmpty(config.ApiKey))
        {
            watcher.Dispose();
            throw new ProxyStartException(ProxyStartFailure.NonLoopbackWithoutApiKey, requestedPort, string.Create(CultureInfo.InvariantCulture,
                $"HOST '{host}' would expose the proxy (and your provider keys' quota) to the network without authentication. Set APIKEY in {configPath} (clients then send it as x-api-key or Bearer), or use HOST 127.0.0.1."));
        }

        TimeProvider time = options.Time ?? TimeProvider.System;
        var engine = new RouterEngine(config, new RouterEngineOptions
        {
            Time = time,
            StateFolder = options.StateFolder,
            LogFolder = options.LogFolder,
        });

        foreach (ConfigDiagnostic warning in config.Warnings)
        {
            engine.Log.Warn("config: " + warning);
        }

        // Before the port opens, so the script's first load (in the background) starts as early as it can.
        engine.UseCustomRouter(options.CustomRouterCompiler, options.Warning);

        string stateFolder = options.StateFolder ?? ConfigPaths.StateFolder;
        string controlToken = ControlFile.NewToken();
        CcrProxy? started = null;
        var control = new ServerControl(controlToken, () => started?.ShutdownAsync(TimeSpan.FromSeconds(10)) ?? Task.CompletedTask);
        var server = new ProxyServer(engine, control, new HttpServerLimits
        {
            MaxBodyBytes = config.MaxBodyBytes,
            MaxHeaderBytes = config.MaxHeaderBytes,
            HeaderTimeout = TimeSpan.FromMilliseconds(config.HeadersTimeoutMs),
            BodyTimeout = TimeSpan.FromMilliseconds(config.BodyTimeoutMs),
            BodyIdleTimeout = TimeSpan.FromMilliseconds(Math.Min(config.BodyTimeoutMs, 30_000)),
            KeepAliveTimeout = TimeSpan.FromMilliseconds(config.KeepAliveTimeoutMs),
            WriteTimeout = TimeSpan.FromMilliseconds(config.StreamWriteTimeoutMs),
        });
        DateTimeOffset startedAt = time.GetUtcNow();
        try
        {
            server.Start(Addresses(host), requestedPort, port => new ServerInfo(port, Environment.ProcessId, options.Mode, startedAt, configPath));
        }
        catch (SocketException e)
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
            watcher.Dispose();
            if (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                throw new ProxyStartException(ProxyStartFailure.PortInUse, requestedPort, string.Create(CultureInfo.InvariantCulture,
                    $"Port {requestedPort} is already in use by another program ({e.Message}). Pick another with Start-CcrProxy -Port <n> (and point ANTHROPIC_BASE_URL at it), or set PORT in {configPath}."), e);
            }

            throw new ProxyStartException(ProxyStartFailure.PortInUse, requestedPort, string.Create(CultureInfo.InvariantCulture,
                $"Cannot listen on {host}:{requestedPort}: {e.Message}. Check HOST and PORT in {configPath}."), e);
        }

        int port = server.Port;
        var proxy = new CcrProxy(engine, server, watcher, port, host, configPath, options.Mode, startedAt, stateFolder, controlToken);
        started = proxy;
        ControlFile.Write(stateFolder, port, controlToken);
        watcher.Reloaded += (_, reloaded) => proxy.OnReloaded(reloaded);
        watcher.ReloadFailed += (_, diagnostics) =>
        {
            string message = "config reload refused, keeping the last good config: " + string.Join("; ", diagnostics);
            engine.Log.Warn(message);
            options.Warning?.Invoke(message);
            proxy.ConfigReloadRejected?.Invoke(proxy, diagnostics);
        };

        lock (s_registryLock)
        {
            s_running.Add(proxy);
        }

        engine.Log.Info(string.Create(CultureInfo.InvariantCulture, $"Ccr {CcrInfo.Version} listening on {proxy.BaseUrl} (pid {Environment.ProcessId}, config {configPath})"));

        // After the proxy reports healthy, so start-up is not slowed; well before a user's first request.
        HotPathWarmup.Start(TimeSpan.FromMilliseconds(300));
        return proxy;
    }

    /// <summary>
    /// Stops the proxy for every session: like <see cref="StopAsync"/>, and the sessions attached to it
    /// (<see cref="ProxyAttachment"/>) let it stay stopped instead of taking over the port.
    /// </summary>
    public Task ShutdownAsync(TimeSpan drainTimeout)
    {
        if (IsRunning)
        {
            // Before the port goes quiet, so an attached session that sees it down also sees why.
            SessionRegistry.MarkStopped(_stateFolder, Port, DateTime.UtcNow);
        }

        return StopAsync(drainTimeout);
    }

    /// <summary>
    /// Stops taking requests, lets in-flight streams finish within <paramref name="drainTimeout"/>, then releases the port.
    /// Sessions attached to it take over the port (see <see cref="ProxyAttachment"/>); <see cref="ShutdownAsync"/> keeps it stopped.
    /// </summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        lock (s_registryLock)
        {
            s_running.Remove(this);
        }

        try
        {
            _watcher?.Dispose();
            await _server.StopAsync(drainTimeout).ConfigureAwait(false);
            await _server.DisposeAsync().ConfigureAwait(false);
            await Engine.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            ControlFile.Delete(_stateFolder, Port, _controlToken);
            _completion.TrySetResult();
        }
    }

    /// <summary>
    /// Raised once a changed config file has loaded and the proxy serves it. With <see cref="ConfigReloadRejected"/> it
    /// lets a caller wait for the outcome of an edit instead of guessing how long the watcher takes.
    /// </summary>
    internal event EventHandler<CcrConfig>? ConfigReloaded;

    /// <summary>Raised once a changed config file failed to load and was refused; the proxy keeps serving the last good config.</summary>
    internal event EventHandler<IReadOnlyList<ConfigDiagnostic>>? ConfigReloadRejected;

    /// <summary>Stops at once (no drain).</summary>
    public ValueTask DisposeAsync() => new(StopAsync(TimeSpan.FromSeconds(2)));

    private void OnReloaded(CcrConfig config)
    {
        Engine.Apply(config);
        _server.OnConfigApplied(config);
        Engine.Log.Info("config reloaded from " + config.SourcePath);
        ConfigReloaded?.Invoke(this, config);
    }

    private static IPAddress[] Addresses(string host)
    {
        if (Loopback.IsLoopback(host))
        {
            // Both loopbacks: "localhost" resolves to ::1 first for some clients (Node, for one).
            return new[] { IPAddress.Loopback, IPAddress.IPv6Loopback };
        }

        if (host is "0.0.0.0" or "*" or "+")
        {
            return new[] { IPAddress.Any, IPAddress.IPv6Any };
        }

        if (host is "::" or "[::]")
        {
            return new[] { IPAddress.IPv6Any };
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address) ? new[] { address } : Dns.GetHostAddresses(host);
    }

}
