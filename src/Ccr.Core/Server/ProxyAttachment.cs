using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ccr.Core.Config;

namespace Ccr.Core.Server;

/// <summary>
/// A session's claim on the proxy at a port: while attached, the port is served, by this process or by another.
/// Every session that asked for the proxy (the one that started it included) holds one. When the serving
/// process goes away (its terminal closed, <c>exit</c>, a crash) each attached session notices within
/// <see cref="PollInterval"/> that nothing listens and tries to start the proxy from the same config; the
/// bind lets exactly one win and the others stay attached to it. A session that leaves while it serves
/// stops accepting at once (so a successor can bind) and drains its in-flight requests up to a bound.
/// When the last session leaves nobody takes over and the port is free. A proxy stopped on purpose
/// (Stop-CcrProxy, /ccr/shutdown) leaves a marker so attached sessions let it stay stopped.
/// </summary>
/// <remarks>
/// Chosen over a shared background process that ends with its last client: that process would need its own
/// lifetime management per OS (job objects, setsid, orphans after a crash), while a takeover keeps the
/// router inside the sessions that asked for it and leaves no process behind. Quota, cooldown and usage
/// state are persisted under the state folder, so the successor carries them on.
/// </remarks>
public sealed class ProxyAttachment : IAsyncDisposable
{
    /// <summary>How long a leaving session lets in-flight requests finish: within the ~5 s Windows gives a closing console.</summary>
    public static readonly TimeSpan DefaultDrain = TimeSpan.FromSeconds(4);

    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(5);

    private readonly CcrProxyOptions _options;
    private readonly string _stateFolder;
    private readonly CancellationTokenSource _leave = new();
    private readonly FileStream? _sessionFile;
    private readonly DateTime _attachedAtUtc;
    private readonly Task _loop;
    private CcrProxy? _serving;
    private string? _lastFailure;
    private int _left;

    private ProxyAttachment(CcrProxyOptions options, CcrProxy? serving, TimeSpan pollInterval)
    {
        _options = options;
        _stateFolder = options.StateFolder ?? ConfigPaths.StateFolder;
        _serving = serving;
        PollInterval = pollInterval;
        Port = options.Port ?? serving?.Port ?? CcrInfo.DefaultPort;
        _attachedAtUtc = DateTime.UtcNow;
        try
        {
            _sessionFile = SessionRegistry.Join(_stateFolder, Port);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only Get-CcrProxy's list of attached sessions misses us; the takeover does not need the file.
            _sessionFile = null;
        }

        // The loop outlives the caller (a cmdlet in a runspace): it must not carry the runspace's context along.
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(() => WatchAsync(_leave.Token));
        }
    }

    /// <summary>The port this session keeps served.</summary>
    public int Port { get; }

    /// <summary>How often the port is checked while another process serves it.</summary>
    public TimeSpan PollInterval { get; }

    /// <summary>The proxy this process serves for the attached sessions, or null while another process serves.</summary>
    public CcrProxy? Serving => Volatile.Read(ref _serving);

    /// <summary>False once the session left, or once the proxy was stopped on purpose and this session let it be.</summary>
    public bool IsAttached => !_loop.IsCompleted;

    /// <summary>Completes when the attachment ends (left, or the proxy was stopped on purpose).</summary>
    public Task Completion => _loop;

    /// <summary>Why the last takeover attempt failed (other than losing the bind to another session), or null.</summary>
    public string? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>Raised on a background thread when this process took over the port.</summary>
    public event EventHandler<CcrProxy>? TookOver;

    /// <summary>
    /// Attaches this session to the proxy at <paramref name="options"/>' port: <paramref name="serving"/> when this
    /// process started it, else whichever process serves it now. <paramref name="options"/> is what a takeover
    /// starts (the same config the serving proxy reports).
    /// </summary>
    public static ProxyAttachment Attach(CcrProxyOptions options, CcrProxy? serving = null, TimeSpan? pollInterval = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port is null && serving is null)
        {
            throw new ArgumentException("A port is needed to attach.", nameof(options));
        }

        return new ProxyAttachment(options, serving, pollInterval ?? TimeSpan.FromMilliseconds(250));
    }

    /// <summary>The processes of the sessions attached to the proxy on <paramref name="port"/> (the serving one included).</summary>
    public static IReadOnlyList<int> AttachedProcessIds(int port, string? stateFolder = null) =>
        SessionRegistry.LiveProcessIds(stateFolder ?? ConfigPaths.StateFolder, port);

    /// <summary>
    /// Leaves: stops watching, and when this process serves, stops accepting at once and lets in-flight requests
    /// finish within <paramref name="drainTimeout"/> so a successor can bind while they drain.
    /// </summary>
    public async Task LeaveAsync(TimeSpan drainTimeout)
    {
        if (Interlocked.Exchange(ref _left, 1) != 0)
        {
            return;
        }

        await _leave.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        // The file goes first: a session that is leaving is no longer one the proxy serves.
        _sessionFile?.Dispose();
        CcrProxy? serving = Interlocked.Exchange(ref _serving, null);
        if (serving is not null)
        {
            await serving.StopAsync(drainTimeout).ConfigureAwait(false);
        }

        if (_loop.IsCompleted)
        {
            _leave.Dispose();
        }
    }

    /// <summary>Leaves with <see cref="DefaultDrain"/>.</summary>
    public ValueTask DisposeAsync() => new(LeaveAsync(DefaultDrain));

    private async Task WatchAsync(CancellationToken leave)
    {
        TimeSpan wait = PollInterval;
        while (!leave.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, leave).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            wait = PollInterval;
            CcrProxy? serving = Volatile.Read(ref _serving);
            if (serving is not null)
            {
                if (serving.IsRunning)
                {
                    continue;
                }

                Interlocked.CompareExchange(ref _serving, null, serving);
            }

            if (await IsServedAsync(leave).ConfigureAwait(false))
            {
                continue;
            }

            if (SessionRegistry.StoppedSince(_stateFolder, Port, _attachedAtUtc))
            {
                // Stop-CcrProxy or /ccr/shutdown: the user wants it stopped for every session.
                return;
            }

            if (!await TryTakeOverAsync().ConfigureAwait(false))
            {
                // Config broken or the port taken by something else: do not reload the config four times a second.
                wait = s_maxBackoff;
            }
        }
    }

    /// <summary>True when something accepts on the port; a slow answer counts as served, so a busy proxy is never raced.</summary>
    private async Task<bool> IsServedAsync(CancellationToken leave)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(leave);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    private async Task<bool> TryTakeOverAsync()
    {
        CcrProxy proxy;
        try
        {
            // Start is synchronous and, when another session wins the bind, disposes what it built by waiting on
            // async work. On a thread-pool thread that wait would hold one of the few threads a 2-core machine has
            // while the work it waits for queues behind it (seen: every request in the process stalled ~1 s per
            // lost race). A dedicated thread keeps the pool free.
            proxy = await Task.Factory.StartNew(
                () => CcrProxy.Start(_options), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        catch (ProxyStartException e) when (e.Failure == ProxyStartFailure.PortInUse)
        {
            // Another session won the bind, or (Windows, exclusive address use) the leaving process still
            // drains connections accepted on this port: either way, look again at the next poll.
            return true;
        }
        catch (ProxyStartException e)
        {
            Volatile.Write(ref _lastFailure, e.Message);
            return false;
        }

        if (Volatile.Read(ref _left) != 0)
        {
            // Left while starting: do not keep a proxy nobody will stop.
            proxy.StopAsync(TimeSpan.Zero).GetAwaiter().GetResult();
            return true;
        }

        Volatile.Write(ref _lastFailure, null);
        Volatile.Write(ref _serving, proxy);
        proxy.Engine.Log.Info(string.Create(CultureInfo.InvariantCulture,
            $"took over port {Port}: the process that served it left (pid {Environment.ProcessId} serves now)"));
        TookOver?.Invoke(this, proxy);
        return true;
    }
}
