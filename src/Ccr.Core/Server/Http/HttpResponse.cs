using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Ccr.Core.Buffers;
using Ccr.Core.Protocol;

namespace Ccr.Core.Server.Http;

/// <summary>
/// One response on an HTTP/1.1 connection: a whole body with Content-Length, or a chunked stream
/// whose every write goes to the socket at once (with the head in the same packet as the first event).
/// A stream may be kept alive through long silences (see <see cref="PingWhenSilent"/>).
/// </summary>
internal sealed class HttpResponse : IResponseSink
{
    private readonly HttpConnection _connection;
    private readonly List<KeyValuePair<string, string>> _headers = new(8);
    private readonly bool _headOnly;
    private PooledBufferWriter? _pendingHead;
    private bool _streaming;
    private bool _ended;

    // Keeping a silent stream alive: set before the stream starts; the gate and timer exist only once it has.
    private ReadOnlyMemory<byte> _ping;
    private TimeSpan _pingInterval;
    private TimeProvider? _time;
    private SemaphoreSlim? _writeGate;
    private ITimer? _pingTimer;
    private long _lastSend;
    private bool _atEventEnd = true;
    private bool _pingsOver;

    public HttpResponse(HttpConnection connection, bool keepAlive, bool headOnly)
    {
        _connection = connection;
        KeepAlive = keepAlive;
        _headOnly = headOnly;
    }

    public bool HasStarted { get; private set; }

    public int StatusCode { get; private set; }

    /// <summary>False once the connection must close after this response.</summary>
    public bool KeepAlive { get; set; }

    public void SetHeader(string name, string value)
    {
        if (HasStarted)
        {
            return;
        }

        for (int i = 0; i < _headers.Count; i++)
        {
            if (string.Equals(_headers[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                _headers[i] = new KeyValuePair<string, string>(name, value);
                return;
            }
        }

        _headers.Add(new KeyValuePair<string, string>(name, value));
    }

    /// <summary>
    /// Once this response streams, writes <paramref name="ping"/> (one whole SSE event or comment) after every
    /// <paramref name="interval"/> in which nothing was written, and only between events. An upstream that thinks for
    /// minutes without sending a byte would otherwise leave the client's stream silent, and Claude Code gives up on a
    /// stream after a few minutes without bytes (CLAUDE_STREAM_IDLE_TIMEOUT_MS), as proxies and NATs on the way do sooner.
    /// </summary>
    public void PingWhenSilent(ReadOnlyMemory<byte> ping, TimeSpan interval, TimeProvider time)
    {
        _ping = ping;
        _pingInterval = interval;
        _time = time;
    }

    public void StartStream(int status, string contentType)
    {
        if (HasStarted)
        {
            throw new InvalidOperationException("The response has already started.");
        }

        HasStarted = true;
        _streaming = true;
        StatusCode = status;
        _pendingHead = new PooledBufferWriter(512);
        WriteHead(_pendingHead, status, contentType, contentLength: -1);
        if (_time is not null && !_headOnly)
        {
            // The timer writes from its own thread: the gate keeps its ping and the request's writes one at a time.
            _writeGate = new SemaphoreSlim(1, 1);
            _lastSend = _time.GetTimestamp();
            _pingTimer = _time.CreateTimer(static state => ((HttpResponse)state!).OnPingDue(), this, _pingInterval, Timeout.InfiniteTimeSpan);
        }
    }

    public async ValueTask WriteCompleteAsync(int status, string contentType, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (HasStarted)
        {
            throw new InvalidOperationException("The response has already started.");
        }

        HasStarted = true;
        _ended = true;
        StatusCode = status;
        using var buffer = new PooledBufferWriter(512 + (body.Length <= 64 * 1024 ? body.Length : 0));
        WriteHead(buffer, status, contentType, body.Length);
        if (_headOnly)
        {
            await _connection.SendAsync(buffer.WrittenMemory).ConfigureAwait(false);
            return;
        }

        if (body.Length <= 64 * 1024)
        {
            // Head and body in one send: one packet for the common small answer.
            buffer.Write(body.Span);
            await _connection.SendAsync(buffer.WrittenMemory).ConfigureAwait(false);
        }
        else
        {
            await _connection.SendAsync(buffer.WrittenMemory).ConfigureAwait(false);
            await _connection.SendAsync(body).ConfigureAwait(false);
        }
    }

    public async ValueTask WriteAndFlushAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (!_streaming || _ended)
        {
            throw new InvalidOperationException("WriteAndFlushAsync needs a started, unfinished stream.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (data.IsEmpty)
        {
            return;
        }

        if (_writeGate is null)
        {
            await SendChunkAsync(data).ConfigureAwait(false);
            return;
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SendChunkAsync(data).ConfigureAwait(false);

            // A pass-through stream is written as the upstream's reads come, which may end inside an event: no ping then.
            ReadOnlySpan<byte> sent = data.Span;
            _atEventEnd = sent.EndsWith("\n\n"u8) || sent.EndsWith("\r\n\r\n"u8);
            Volatile.Write(ref _lastSend, _time!.GetTimestamp());
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async ValueTask SendChunkAsync(ReadOnlyMemory<byte> data)
    {
        using var chunk = new PooledBufferWriter(data.Length + 16 + (_pendingHead?.WrittenCount ?? 0));
        TakePendingHead(chunk);
        WriteChunkHeader(chunk, data.Length);
        chunk.Write(data.Span);
        chunk.Write("\r\n"u8);
        await _connection.SendAsync(chunk.WrittenMemory).ConfigureAwait(false);
    }

    private void OnPingDue()
    {
        TimeSpan silent = _time!.GetElapsedTime(Volatile.Read(ref _lastSend));
        if (silent < _pingInterval)
        {
            RearmPing(_pingInterval - silent);
        }
        else if (_writeGate!.Wait(0))
        {
            _ = PingAsync();
        }
        else
        {
            // A write is under way: the stream is not silent.
            RearmPing(_pingInterval);
        }
    }

    /// <summary>Runs holding the write gate; never throws (a broken connection is the request's own write to report).</summary>
    private async Task PingAsync()
    {
        bool again = false;
        try
        {
            if (!_pingsOver)
            {
                if (_atEventEnd)
                {
                    await SendChunkAsync(_ping).ConfigureAwait(false);
                    Volatile.Write(ref _lastSend, _time!.GetTimestamp());
                }

                again = true;
            }
        }
#pragma warning disable CA1031 // A ping that fails ends the pings; whatever broke is seen by the request's next write.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            _writeGate!.Release();
        }

        if (again)
        {
            RearmPing(_pingInterval);
        }
    }

    private void RearmPing(TimeSpan after)
    {
        try
        {
            _pingTimer?.Change(after, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The stream ended meanwhile.
        }
    }

    /// <summary>Finishes a stream with its last chunk; a response the handler never started becomes a 500.</summary>
    public async ValueTask EndAsync()
    {
        if (!HasStarted)
        {
            KeepAlive = false;
            byte[] body = Encoding.UTF8.GetBytes("{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Ccr produced no answer for this request.\"}}");
            await WriteCompleteAsync(500, "application/json", body, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        if (_writeGate is not null)
        {
            // No ping after the last chunk: stop the timer, then wait out a ping being written.
            _pingTimer!.Dispose();
            await _writeGate.WaitAsync().ConfigureAwait(false);
            _pingsOver = true;
            _writeGate.Release();
        }

        if (_streaming && !_ended)
        {
            _ended = true;
            using var tail = new PooledBufferWriter(16 + (_pendingHead?.WrittenCount ?? 0));
            TakePendingHead(tail);
            tail.Write("0\r\n\r\n"u8);
            await _connection.SendAsync(tail.WrittenMemory).ConfigureAwait(false);
        }
    }

    private void TakePendingHead(PooledBufferWriter into)
    {
        if (_pendingHead is not null)
        {
            into.Write(_pendingHead.WrittenSpan);
            _pendingHead.Dispose();
            _pendingHead = null;
        }
    }

    private void WriteHead(PooledBufferWriter buffer, int status, string contentType, long contentLength)
    {
        buffer.Write("HTTP/1.1 "u8);
        WriteNumber(buffer, status);
        buffer.Write(" "u8);
        WriteAscii(buffer, ReasonPhrase(status));
        buffer.Write("\r\nContent-Type: "u8);
        WriteAscii(buffer, contentType);
        if (contentLength >= 0)
        {
            buffer.Write("\r\nContent-Length: "u8);
            WriteNumber(buffer, contentLength);
        }
        else
        {
            buffer.Write("\r\nTransfer-Encoding: chunked\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no"u8);
        }

        foreach (KeyValuePair<string, string> header in _headers)
        {
            buffer.Write("\r\n"u8);
            WriteAscii(buffer, header.Key);
            buffer.Write(": "u8);
            WriteHeaderValue(buffer, header.Value);
        }

        buffer.Write(KeepAlive ? "\r\n\r\n"u8 : "\r\nConnection: close\r\n\r\n"u8);
    }

    private static void WriteChunkHeader(PooledBufferWriter buffer, int length)
    {
        Span<byte> span = buffer.GetSpan(12);
        length.TryFormat(span, out int written, "X", CultureInfo.InvariantCulture);
        span[written] = (byte)'\r';
        span[written + 1] = (byte)'\n';
        buffer.Advance(written + 2);
    }

    private static void WriteNumber(PooledBufferWriter buffer, long value)
    {
        Span<byte> span = buffer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out int written);
        buffer.Advance(written);
    }

    private static void WriteAscii(PooledBufferWriter buffer, string text)
    {
        Span<byte> span = buffer.GetSpan(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            span[i] = c is >= ' ' and <= '~' ? (byte)c : (byte)'?';
        }

        buffer.Advance(text.Length);
    }

    private static void WriteHeaderValue(PooledBufferWriter buffer, string value)
    {
        // CR and LF never reach the wire: a value cannot start a new header (response splitting).
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> span = buffer.GetSpan(max);
        int written = Encoding.UTF8.GetBytes(value, span);
        for (int i = 0; i < written; i++)
        {
            if (span[i] is (byte)'\r' or (byte)'\n')
            {
                span[i] = (byte)' ';
            }
        }

        buffer.Advance(written);
    }

    internal static string ReasonPhrase(int status) => status switch
    {
        100 => "Continue",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        499 => "Client Closed Request",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        529 => "Overloaded",
        _ => "Status",
    };
}
