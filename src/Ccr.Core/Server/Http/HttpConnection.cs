using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccr.Core.Buffers;

namespace Ccr.Core.Server.Http;

/// <summary>
/// Serves HTTP/1.1 requests on one accepted socket, one after another (keep-alive). While a
/// request is served, a read stays posted on the socket: when the client hangs up it returns 0 and
/// the request's token is cancelled, so the upstream call stops at once.
/// </summary>
internal sealed class HttpConnection
{
    private const int InitialBufferSize = 8 * 1024;

    private readonly Socket _socket;
    private readonly HttpServer _server;
    private readonly HttpServerLimits _limits;
    private byte[] _buffer;

    // Deadlines (Environment.TickCount64) of the read and write in progress, 0 when none. The server's
    // sweeper closes a connection past either: one timer for all connections instead of one per I/O.
    private long _readDeadline;
    private long _writeDeadline;
    private bool _timedOut;
    private int _start;
    private int _end;
    private int _disposed;

    public HttpConnection(Socket socket, HttpServer server, HttpServerLimits limits)
    {
        _socket = socket;
        _server = server;
        _limits = limits;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    }

    public bool Busy { get; private set; }

    public async Task RunAsync(Func<HttpContext, Task> handler)
    {
        var head = new HttpRequestHead();
        Task<int>? posted = null;
        try
        {
            while (!_server.IsStopping || posted is not null)
            {
                // 1. A whole request head, within the keep-alive wait and then the header timeout.
                int headEnd;
                long headerDeadline = 0;
                while ((headEnd = Buffered.IndexOf("\r\n\r\n"u8)) < 0)
                {
                    if (_end - _start >= _limits.MaxHeaderBytes)
                    {
                        await RefuseAsync(431, "request_too_large", "The request line and headers are larger than " + _limits.MaxHeaderBytes + " bytes.").ConfigureAwait(false);
                        return;
                    }

                    TimeSpan wait;
                    if (_end == _start && headerDeadline == 0)
                    {
                        wait = _limits.KeepAliveTimeout;
                    }
                    else
                    {
                        headerDeadline = headerDeadline == 0 ? Environment.TickCount64 + (long)_limits.HeaderTimeout.TotalMilliseconds : headerDeadline;
                        wait = TimeSpan.FromMilliseconds(Math.Max(1, headerDeadline - Environment.TickCount64));
                    }

                    int read = posted is not null ? await AwaitPostedAsync(posted, wait).ConfigureAwait(false) : await ReceiveAsync(wait).ConfigureAwait(false);
                    posted = null;
                    if (read <= 0)
                    {
                        if (read < 0 && _end > _start)
                        {
                            await RefuseAsync(408, "timeout_error", "The request head did not arrive within " + _limits.HeaderTimeout.TotalSeconds + " s.").ConfigureAwait(false);
                        }

                        return;
                    }

                    if (_end == _start + read && headerDeadline == 0)
                    {
                        headerDeadline = Environment.TickCount64 + (long)_limits.HeaderTimeout.TotalMilliseconds;
                    }
                }

                HeadError error = head.Parse(_buffer.AsSpan(_start, headEnd));
                _start += headEnd + 4;
                switch (error)
                {
                    case HeadError.Malformed:
                        await RefuseAsync(400, "invalid_request_error", "The HTTP request is malformed.").ConfigureAwait(false);
                        return;
                    case HeadError.UnsupportedTransferEncoding:
                        await RefuseAsync(501, "invalid_request_error", "Only chunked Transfer-Encoding is supported.").ConfigureAwait(false);
                        return;
                    case HeadError.VersionNotSupported:
                        await RefuseAsync(505, "invalid_request_error", "Only HTTP/1.0 and HTTP/1.1 are supported.").ConfigureAwait(false);
                        return;
                }

                // 2. The body, within its limits.
                long maxBody = _server.MaxBodyBytes;
                if (head.ContentLength > maxBody)
                {
                    await RefuseAsync(413, "request_too_large", TooLarge(head.ContentLength, maxBody)).ConfigureAwait(false);
                    return;
                }

                if (head.ExpectContinue && (head.ContentLength > 0 || head.Chunked))
                {
                    await SendAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray()).ConfigureAwait(false);
                }

                using var body = new PooledBufferWriter(head.ContentLength > 0 ? (int)Math.Min(head.ContentLength, 1024 * 1024) : 1024);
                BodyResult bodyResult = head.Chunked
                    ? await ReadChunkedBodyAsync(body, maxBody).ConfigureAwait(false)
                    : await ReadBodyAsync(body, Math.Max(0, head.ContentLength)).ConfigureAwait(false);
                if (bodyResult != BodyResult.Ok)
                {
                    if (bodyResult == BodyResult.TooLarge)
                    {
                        await RefuseAsync(413, "request_too_large", TooLarge(body.WrittenCount, maxBody)).ConfigureAwait(false);
                    }
                    else if (bodyResult == BodyResult.Malformed)
                    {
                        await RefuseAsync(400, "invalid_request_error", "The chunked request body is malformed.").ConfigureAwait(false);
                    }
                    else if (bodyResult == BodyResult.TimedOut)
                    {
                        await RefuseAsync(408, "timeout_error", "The request body did not arrive in time.").ConfigureAwait(false);
                    }

                    return;
                }

                // 3. Serve it, watching for the client hanging up.
                var aborted = new CancellationTokenSource();
                if (_start == _end)
                {
                    _start = _end = 0;
                    posted = PostWatchAsync(aborted);
                }

                bool keepAlive = head.KeepAlive && !_server.IsStopping;
                var response = new HttpResponse(this, keepAlive, head.Method == "HEAD");
                Busy = true;
                try
                {
                    await handler(new HttpContext(head, body, response, aborted.Token)).ConfigureAwait(false);
                    await response.EndAsync().ConfigureAwait(false);
                }
                finally
                {
                    Busy = false;
                }

                if (!response.KeepAlive || aborted.IsCancellationRequested)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or a write timed out: nothing to answer.
        }
        finally
        {
            Close();
            if (posted is not null)
            {
                // Closing the socket completes the posted read; only then may its buffer go back to the pool.
                try
                {
                    await posted.ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                }
            }

            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = Array.Empty<byte>();
            _server.OnConnectionClosed(this);
        }
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        Volatile.Write(ref _writeDeadline, Environment.TickCount64 + (long)_limits.WriteTimeout.TotalMilliseconds);
        try
        {
            while (!data.IsEmpty)
            {
                int sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
                data = data[sent..];
            }
        }
        finally
        {
            Volatile.Write(ref _writeDeadline, 0);
        }
    }

    /// <summary>Called by the server's sweeper: closes the connection when a read or write has waited too long.</summary>
    public void CloseIfOverdue(long now)
    {
        long read = Volatile.Read(ref _readDeadline);
        long write = Volatile.Read(ref _writeDeadline);
        if ((read != 0 && now > read) || (write != 0 && now > write))
        {
            _timedOut = true;
            Close();
        }
    }

    /// <summary>Closes the socket; the serving loop notices and releases everything else.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        _socket.Dispose();
    }

    private Span<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

    /// <summary>Reads more bytes into the buffer; 0 when the client closed, -1 on timeout.</summary>
    private async ValueTask<int> ReceiveAsync(TimeSpan timeout)
    {
        EnsureSpace();
        Volatile.Write(ref _readDeadline, Environment.TickCount64 + (long)timeout.TotalMilliseconds);
        try
        {
            int read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
            _end += read;
            return read;
        }
        catch (Exception e) when (_timedOut && e is SocketException or ObjectDisposedException)
        {
            return -1;
        }
        finally
        {
            Volatile.Write(ref _readDeadline, 0);
        }
    }

    /// <summary>Posts the read that doubles as the next request's first read and as the hang-up detector.</summary>
    private async Task<int> PostWatchAsync(CancellationTokenSource aborted)
    {
        try
        {
            int read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
            if (read == 0)
            {
                aborted.Cancel();
            }

            _end += read;
            return read;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            aborted.Cancel();
            return _timedOut ? -1 : 0;
        }
    }

    private async ValueTask<int> AwaitPostedAsync(Task<int> posted, TimeSpan timeout)
    {
        // The posted read is already waiting: a deadline bounds the keep-alive wait.
        Volatile.Write(ref _readDeadline, Environment.TickCount64 + (long)timeout.TotalMilliseconds);
        try
        {
            return await posted.ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _readDeadline, 0);
        }
    }

    private void EnsureSpace()
    {
        if (_start > 0 && _start == _end)
        {
            _start = _end = 0;
        }

        if (_buffer.Length - _end >= 1024)
        {
            return;
        }

        int live = _end - _start;
        if (_start > 0 && _buffer.Length - live >= 1024)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, live);
        }
        else
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, live + 1024));
            Buffer.BlockCopy(_buffer, _start, bigger, 0, live);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        _start = 0;
        _end = live;
    }

    private enum BodyResult
    {
        Ok,
        Closed,
        TimedOut,
        TooLarge,
        Malformed,
    }

    private async ValueTask<BodyResult> ReadBodyAsync(PooledBufferWriter body, long length)
    {
        long deadline = Environment.TickCount64 + (long)_limits.BodyTimeout.TotalMilliseconds;
        while (body.WrittenCount < length)
        {
            if (_end > _start)
            {
                int take = (int)Math.Min(_end - _start, length - body.WrittenCount);
                body.Write(_buffer.AsSpan(_start, take));
                _start += take;
                continue;
            }

            BodyResult more = await ReadBodyBytesAsync(deadline).ConfigureAwait(false);
            if (more != BodyResult.Ok)
            {
                return more;
            }
        }

        return BodyResult.Ok;
    }

    private async ValueTask<BodyResult> ReadChunkedBodyAsync(PooledBufferWriter body, long maxBody)
    {
        long deadline = Environment.TickCount64 + (long)_limits.BodyTimeout.TotalMilliseconds;
        while (true)
        {
            int lineEnd;
            while ((lineEnd = Buffered.IndexOf("\r\n"u8)) < 0)
            {
                if (_end - _start > 4096)
                {
                    return BodyResult.Malformed;
                }

                BodyResult more = await ReadBodyBytesAsync(deadline).ConfigureAwait(false);
                if (more != BodyResult.Ok)
                {
                    return more;
                }
            }

            ReadOnlySpan<byte> sizeLine = Buffered[..lineEnd];
            int extension = sizeLine.IndexOf((byte)';');
            if (extension >= 0)
            {
                sizeLine = sizeLine[..extension];
            }

            if (!long.TryParse(Encoding.ASCII.GetString(sizeLine.Trim((byte)' ')), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out long size) || size < 0)
            {
                return BodyResult.Malformed;
            }

            _start += lineEnd + 2;
            if (size == 0)
            {
                // Skip trailers up to the blank line.
                while (true)
                {
                    int end;
                    while ((end = Buffered.IndexOf("\r\n"u8)) < 0)
                    {
                        BodyResult more = await ReadBodyBytesAsync(deadline).ConfigureAwait(false);
                        if (more != BodyResult.Ok)
                        {
                            return more;
                        }
                    }

                    _start += end + 2;
                    if (end == 0)
                    {
                        return BodyResult.Ok;
                    }
                }
            }

            if (body.WrittenCount + size > maxBody)
            {
                return BodyResult.TooLarge;
            }

            long remaining = size;
            while (remaining > 0)
            {
                if (_end == _start)
                {
                    BodyResult more = await ReadBodyBytesAsync(deadline).ConfigureAwait(false);
                    if (more != BodyResult.Ok)
                    {
                        return more;
                    }
                }

                int take = (int)Math.Min(_end - _start, remaining);
                body.Write(_buffer.AsSpan(_start, take));
                _start += take;
                remaining -= take;
            }

            while (_end - _start < 2)
            {
                BodyResult more = await ReadBodyBytesAsync(deadline).ConfigureAwait(false);
                if (more != BodyResult.Ok)
                {
                    return more;
                }
            }

            if (_buffer[_start] != (byte)'\r' || _buffer[_start + 1] != (byte)'\n')
            {
                return BodyResult.Malformed;
            }

            _start += 2;
        }
    }

    private async ValueTask<BodyResult> ReadBodyBytesAsync(long deadline)
    {
        long left = deadline - Environment.TickCount64;
        if (left <= 0)
        {
            return BodyResult.TimedOut;
        }

        TimeSpan wait = TimeSpan.FromMilliseconds(Math.Min(left, _limits.BodyIdleTimeout.TotalMilliseconds));
        int read = await ReceiveAsync(wait).ConfigureAwait(false);
        return read switch
        {
            0 => BodyResult.Closed,
            < 0 => BodyResult.TimedOut,
            _ => BodyResult.Ok,
        };
    }

    private async Task RefuseAsync(int status, string type, string message)
    {
        var response = new HttpResponse(this, keepAlive: false, headOnly: false);
        var json = new ArrayBufferWriter<byte>(256);
        new Protocol.AnthropicError(status, type, message).WriteJson(json, null);
        try
        {
            await response.WriteCompleteAsync(status, "application/json", json.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private static string TooLarge(long size, long limit) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"The request body ({size} bytes) is larger than MAX_BODY_BYTES ({limit} bytes). Raise MAX_BODY_BYTES in the config if such requests are expected.");
}
