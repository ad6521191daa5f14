using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Ccr.Core.Server.Http;

/// <summary>
/// A small HTTP/1.1 server on plain sockets. It replaces HttpListener, whose managed Linux
/// implementation was the proxy's main cost and offers no header or body timeouts: this one parses
/// only what a JSON API needs, bounds every wait (see <see cref="HttpServerLimits"/>), and notices
/// a client hanging up mid-request.
/// </summary>
internal sealed class HttpServer : IAsyncDisposable
{
    private readonly List<Socket> _listeners = new();
    private readonly List<Task> _acceptLoops = new();
    private readonly ConcurrentDictionary<HttpConnection, byte> _connections = new();
    private readonly Func<HttpContext, Task> _handler;
    private readonly Func<long> _maxBodyBytes;
    private readonly HttpServerLimits _limits;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Timer _sweeper;
    private int _connectionCount;
    private long _connectionsAccepted;

    public HttpServer(Func<HttpContext, Task> handler, HttpServerLimits limits, Func<long> maxBodyBytes)
    {
        _handler = handler;
        _limits = limits;
        _maxBodyBytes = maxBodyBytes;
        _sweeper = new Timer(_ => Sweep(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public int Port { get; private set; }

    public bool IsStopping => _stopping.IsCancellationRequested;

    public long MaxBodyBytes => _maxBodyBytes();

    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Connections taken from the listen backlog so far, including any refused over the limit.</summary>
    public long ConnectionsAccepted => Interlocked.Read(ref _connectionsAccepted);

    /// <summary>
    /// Binds every address on <paramref name="port"/> (0 = a free port, the same for all of them).
    /// The first address must bind; later ones (IPv6 loopback) are best effort.
    /// </summary>
    /// <exception cref="SocketException">The port is taken on the first address.</exception>
    public void Start(IReadOnlyList<IPAddress> addresses, int port)
    {
        for (int i = 0; i < addresses.Count; i++)
        {
            Socket socket = NewListener(addresses[i], exclusive: OperatingSystem.IsWindows());
            try
            {
                // A session taking over the port (ProxyAttachment) binds while the leaving process still drains
                // connections accepted on it, and later while they sit in TIME_WAIT. Unix: .NET sets SO_REUSEADDR on
                // every TCP bind, which allows exactly that, and still refuses a second listener on the same address
                // and port, so exactly one successor wins. Windows: see the exclusive-bind fallback below.
                if (port != 0 && PortProbe.BindMayOverlapWildcard && PortProbe.HasListener(addresses[i], port))
                {
                    // Windows and macOS would let this bind succeed beside another program's 0.0.0.0 listener (see PortProbe).
                    throw new SocketException((int)SocketError.AddressAlreadyInUse);
                }

                try
                {
                    socket.Bind(new IPEndPoint(addresses[i], port));
                }
                catch (SocketException e) when (OperatingSystem.IsWindows() && port != 0 && e.SocketErrorCode == SocketError.AddressAlreadyInUse && !PortProbe.HasListener(addresses[i], port))
                {
                    // An exclusive socket "cannot necessarily be reused immediately after socket closure": while
                    // connections of the proxy that just stopped are still closing (TIME_WAIT), the next exclusive bind
                    // fails for minutes, and a restart or a handoff would find its own port taken. Nobody listens,
                    // so bind without the option: Windows' default still refuses other users' sockets on the port.
                    socket.Dispose();
                    socket = NewListener(addresses[i], exclusive: false);
                    socket.Bind(new IPEndPoint(addresses[i], port));
                }

                socket.Listen(1024);
            }
            catch (SocketException) when (i > 0)
            {
                socket.Dispose();
                continue;
            }
            catch
            {
                socket.Dispose();
                foreach (Socket bound in _listeners)
                {
                    bound.Dispose();
                }

                _listeners.Clear();
                throw;
            }

            port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            _listeners.Add(socket);
        }

        Port = port;
        _sweeper.Change(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
        foreach (Socket listener in _listeners)
        {
            _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(listener)));
        }
    }

    private static Socket NewListener(IPAddress address, bool exclusive)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (exclusive)
        {
            // Windows only: without it another process of the same user could bind the port with SO_REUSEADDR and
            // take connections. Unix sockets behave this way already (.NET accepts only true there).
            socket.ExclusiveAddressUse = true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            socket.DualMode = false;
        }

        return socket;
    }

    /// <summary>Stops accepting; idle connections close now, busy ones when their request is done or when <see cref="CloseAll"/> runs.</summary>
    public void StopAccepting()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        foreach (Socket listener in _listeners)
        {
            listener.Dispose();
        }

        foreach (HttpConnection connection in _connections.Keys)
        {
            if (!connection.Busy)
            {
                connection.Close();
            }
        }
    }

    public void CloseAll()
    {
        foreach (HttpConnection connection in _connections.Keys)
        {
            connection.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        StopAccepting();
        CloseAll();
        try
        {
            await Task.WhenAll(_acceptLoops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        await _sweeper.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void Sweep()
    {
        long now = Environment.TickCount64;
        foreach (HttpConnection connection in _connections.Keys)
        {
            connection.CloseIfOverdue(now);
        }
    }

    internal void OnConnectionClosed(HttpConnection connection)
    {
        if (_connections.TryRemove(connection, out _))
        {
            Interlocked.Decrement(ref _connectionCount);
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            Interlocked.Increment(ref _connectionsAccepted);
            if (Interlocked.Increment(ref _connectionCount) > _limits.MaxConnections)
            {
                Interlocked.Decrement(ref _connectionCount);
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            var connection = new HttpConnection(socket, this, _limits);
            _connections.TryAdd(connection, 0);
            _ = connection.RunAsync(_handler);
        }
    }
}
