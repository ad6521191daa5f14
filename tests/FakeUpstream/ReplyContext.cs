using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace FakeUpstream;

/// <summary>
/// The response side of one exchange on a raw connection: whole bodies, chunked SSE segments
/// flushed one by one, or a cut connection (RST) where a fault asks for one.
/// </summary>
internal sealed class ReplyContext
{
    private static readonly byte[] s_lastChunk = "0\r\n\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly ConnectionReader _reader;
    private byte[]? _pendingHead;

    public ReplyContext(Socket socket, NetworkStream stream, ConnectionReader reader, RequestInfo request, CancellationToken serverStopping)
    {
        _socket = socket;
        _stream = stream;
        _reader = reader;
        Request = request;
        ServerStopping = serverStopping;
    }

    public RequestInfo Request { get; }

    /// <summary>Cancelled when the server is disposed, so delays and hangs end with it.</summary>
    public CancellationToken ServerStopping { get; }

    /// <summary>True once the connection was cut; it cannot carry another request.</summary>
    public bool Aborted { get; private set; }

    public Task WriteWholeAsync(int status, string contentType, byte[] body, IReadOnlyList<(string Name, string Value)>? headers)
    {
        byte[] head = Head(status, contentType, headers, "Content-Length: " + body.Length.ToString(CultureInfo.InvariantCulture));
        return WriteJoinedAsync(head, body, body.Length);
    }

    /// <summary>Prepares a chunked response; the head goes out with the first segment.</summary>
    public void BeginStream(int status, string contentType, IReadOnlyList<(string Name, string Value)>? headers)
    {
        _pendingHead = Head(status, contentType, headers, "Transfer-Encoding: chunked\r\nCache-Control: no-cache");
    }

    /// <summary>Writes one segment as one HTTP chunk and pushes it onto the wire at once.</summary>
    public async Task WriteSegmentAsync(byte[] segment)
    {
        byte[] sizeLine = Encoding.ASCII.GetBytes(segment.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n");
        int headLength = _pendingHead?.Length ?? 0;
        int total = headLength + sizeLine.Length + segment.Length + 2;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            int offset = 0;
            if (_pendingHead is not null)
            {
                _pendingHead.CopyTo(buffer, 0);
                offset = headLength;
                _pendingHead = null;
            }

            sizeLine.CopyTo(buffer, offset);
            offset += sizeLine.Length;
            segment.CopyTo(buffer, offset);
            offset += segment.Length;
            buffer[offset++] = (byte)'\r';
            buffer[offset++] = (byte)'\n';
            await _stream.WriteAsync(buffer.AsMemory(0, offset), ServerStopping).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Ends a chunked response cleanly.</summary>
    public async Task EndStreamAsync()
    {
        if (_pendingHead is not null)
        {
            await _stream.WriteAsync(_pendingHead, ServerStopping).ConfigureAwait(false);
            _pendingHead = null;
        }

        await _stream.WriteAsync(s_lastChunk, ServerStopping).ConfigureAwait(false);
    }

    /// <summary>Sends the first <paramref name="bytesToSend"/> bytes of a body announced with its full length, then cuts the connection.</summary>
    public async Task WriteTruncatedAsync(int status, string contentType, byte[] body, int bytesToSend)
    {
        byte[] head = Head(status, contentType, null, "Content-Length: " + body.Length.ToString(CultureInfo.InvariantCulture));
        await WriteJoinedAsync(head, body, bytesToSend).ConfigureAwait(false);
        Abort();
    }

    /// <summary>Waits until the client gives up (closes the connection) or the server stops.</summary>
    public Task WaitForClientToLeaveAsync() => _reader.WaitForCloseAsync(ServerStopping);

    /// <summary>Resets the connection: no further bytes, no terminating chunk, no [DONE].</summary>
    public void Abort()
    {
        Aborted = true;
        try
        {
            // Linger 0 makes Close send RST rather than an orderly FIN.
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // The peer already left; closing is all that is left to do.
        }

        _socket.Close();
    }

    private async Task WriteJoinedAsync(byte[] head, byte[] body, int bodyBytes)
    {
        int total = head.Length + bodyBytes;
        if (total > 64 * 1024)
        {
            await _stream.WriteAsync(head, ServerStopping).ConfigureAwait(false);
            await _stream.WriteAsync(body.AsMemory(0, bodyBytes), ServerStopping).ConfigureAwait(false);
            return;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            head.CopyTo(buffer, 0);
            body.AsSpan(0, bodyBytes).CopyTo(buffer.AsSpan(head.Length));
            await _stream.WriteAsync(buffer.AsMemory(0, total), ServerStopping).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Head(int status, string contentType, IReadOnlyList<(string Name, string Value)>? headers, string framing)
    {
        var head = new StringBuilder(256);
        head.Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(ReasonPhrase(status)).Append("\r\n");
        head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        head.Append(framing).Append("\r\n");
        if (headers is not null)
        {
            foreach ((string name, string value) in headers)
            {
                head.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }

        head.Append("\r\n");
        return Encoding.ASCII.GetBytes(head.ToString());
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        529 => "Overloaded",
        _ => "Status",
    };
}
