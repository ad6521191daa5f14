using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ccr.Bench.Http;

/// <summary>What one request on a raw connection gave back.</summary>
internal readonly record struct HttpExchange(int Status, long StartTicks, long FirstBodyTicks, long EndTicks, long BodyBytes, bool KeepAlive);

/// <summary>
/// One HTTP/1.1 keep-alive connection over a raw socket: sends pre-built request bytes and reads the
/// answer (Content-Length, chunked or close-delimited) without allocating per request, so the load
/// generator costs little next to what it measures.
/// </summary>
internal sealed class HttpClientConnection : IDisposable
{
    private readonly IPEndPoint _endPoint;
    private Socket? _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public HttpClientConnection(IPEndPoint endPoint) => _endPoint = endPoint;

    /// <summary>The body of the last answer when capture was asked for.</summary>
    public MemoryStream? CapturedBody { get; private set; }

    public async Task ConnectAsync(CancellationToken ct)
    {
        Close();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_endPoint, ct).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        _start = _end = 0;
    }

    public bool IsConnected => _socket is not null;

    public async Task<HttpExchange> SendAsync(ReadOnlyMemory<byte> request, bool captureBody, CancellationToken ct)
    {
        if (_socket is null)
        {
            await ConnectAsync(ct).ConfigureAwait(false);
        }

        Socket socket = _socket!;
        long start = Stopwatch.GetTimestamp();
        int sent = 0;
        while (sent < request.Length)
        {
            sent += await socket.SendAsync(request[sent..], SocketFlags.None, ct).ConfigureAwait(false);
        }

        CapturedBody = captureBody ? new MemoryStream() : null;
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd()) < 0)
        {
            await FillAsync(ct).ConfigureAwait(false);
        }

        ReadHead(_buffer.AsSpan(_start, headerEnd - _start), out int status, out long contentLength, out bool chunked, out bool keepAlive);
        _start = headerEnd + 4;
        long firstBody = 0;
        long bodyBytes = 0;

        if (chunked)
        {
            while (true)
            {
                int lineEnd;
                while ((lineEnd = IndexOf("\r\n"u8)) < 0)
                {
                    await FillAsync(ct).ConfigureAwait(false);
                }

                long size = ParseHex(_buffer.AsSpan(_start, lineEnd - _start));
                _start = lineEnd + 2;
                if (size == 0)
                {
                    // Trailers end with an empty line; none are expected, so wait for the bare CRLF.
                    while ((lineEnd = IndexOf("\r\n"u8)) < 0)
                    {
                        await FillAsync(ct).ConfigureAwait(false);
                    }

                    _start = lineEnd + 2;
                    break;
                }

                if (firstBody == 0)
                {
                    firstBody = Stopwatch.GetTimestamp();
                }

                await ConsumeAsync(size + 2, ct).ConfigureAwait(false);
                bodyBytes += size;
                CapturedBody?.SetLength(CapturedBody.Length - 2);
            }
        }
        else if (contentLength >= 0)
        {
            if (contentLength > 0)
            {
                if (_end == _start)
                {
                    await FillAsync(ct).ConfigureAwait(false);
                }

                firstBody = Stopwatch.GetTimestamp();
                await ConsumeAsync(contentLength, ct).ConfigureAwait(false);
                bodyBytes = contentLength;
            }
        }
        else
        {
            keepAlive = false;
            while (true)
            {
                int n = _end - _start;
                if (n > 0)
                {
                    if (firstBody == 0)
                    {
                        firstBody = Stopwatch.GetTimestamp();
                    }

                    CapturedBody?.Write(_buffer, _start, n);
                    bodyBytes += n;
                    _start = _end;
                }

                if (!await TryFillAsync(ct).ConfigureAwait(false))
                {
                    break;
                }
            }
        }

        long end = Stopwatch.GetTimestamp();
        if (!keepAlive)
        {
            Close();
        }

        return new HttpExchange(status, start, firstBody == 0 ? end : firstBody, end, bodyBytes, keepAlive);
    }

    private async Task ConsumeAsync(long count, CancellationToken ct)
    {
        while (count > 0)
        {
            if (_end == _start)
            {
                await FillAsync(ct).ConfigureAwait(false);
            }

            int n = (int)Math.Min(count, _end - _start);
            CapturedBody?.Write(_buffer, _start, n);
            _start += n;
            count -= n;
        }
    }

    private async Task FillAsync(CancellationToken ct)
    {
        if (!await TryFillAsync(ct).ConfigureAwait(false))
        {
            throw new IOException("The server closed the connection in the middle of an answer.");
        }
    }

    private async Task<bool> TryFillAsync(CancellationToken ct)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_start > 0 && _end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        int read = await _socket!.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, ct).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }

    private int IndexOfHeaderEnd() => IndexOf("\r\n\r\n"u8);

    private int IndexOf(ReadOnlySpan<byte> needle)
    {
        int i = _buffer.AsSpan(_start, _end - _start).IndexOf(needle);
        return i < 0 ? -1 : _start + i;
    }

    private static long ParseHex(ReadOnlySpan<byte> line)
    {
        int semicolon = line.IndexOf((byte)';');
        if (semicolon >= 0)
        {
            line = line[..semicolon];
        }

        if (!Utf8Parser.TryParse(line.Trim((byte)' '), out long value, out _, 'X'))
        {
            throw new InvalidDataException("Bad chunk size line in a chunked answer.");
        }

        return value;
    }

    private static void ReadHead(ReadOnlySpan<byte> head, out int status, out long contentLength, out bool chunked, out bool keepAlive)
    {
        status = 0;
        int lineEnd = head.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> statusLine = lineEnd < 0 ? head : head[..lineEnd];
        if (statusLine.Length >= 12)
        {
            Utf8Parser.TryParse(statusLine.Slice(9, 3), out status, out _);
        }

        HeaderFields.Read(lineEnd < 0 ? default : head[(lineEnd + 2)..], out contentLength, out chunked, out keepAlive);
        if (status is 204 or 304)
        {
            contentLength = 0;
        }
    }

    public void Close()
    {
        _socket?.Dispose();
        _socket = null;
        _start = _end = 0;
    }

    public void Dispose() => Close();
}
