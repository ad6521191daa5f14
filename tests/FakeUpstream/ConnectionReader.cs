using System.Buffers;
using System.Net.Sockets;
using System.Text;

namespace FakeUpstream;

/// <summary>The parts of an HTTP/1.1 request the fake upstream needs.</summary>
internal sealed class IncomingRequest
{
    public IncomingRequest(string method, string path, Dictionary<string, string> headers, byte[] body, int bodyLength)
    {
        Method = method;
        Path = path;
        Headers = headers;
        Body = body;
        BodyLength = bodyLength;
    }

    public string Method { get; }

    public string Path { get; }

    public Dictionary<string, string> Headers { get; }

    /// <summary>A pooled buffer; the first <see cref="BodyLength"/> bytes are the body. Returned by <see cref="ReturnBody"/>.</summary>
    public byte[] Body { get; private set; }

    public int BodyLength { get; }

    public ReadOnlySpan<byte> BodySpan => Body.AsSpan(0, BodyLength);

    public bool KeepAlive => !(Headers.TryGetValue("Connection", out string? value) && value.Contains("close", StringComparison.OrdinalIgnoreCase));

    public void ReturnBody()
    {
        if (Body.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Body);
            Body = [];
        }
    }
}

/// <summary>Reads HTTP/1.1 requests (Content-Length or chunked bodies) from one connection through a small buffer.</summary>
internal sealed class ConnectionReader
{
    private const int MaxHeadBytes = 64 * 1024;
    private const int MaxBodyBytes = 256 * 1024 * 1024;
    private static readonly byte[] s_continue = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[MaxHeadBytes];
    private int _start;
    private int _end;

    public ConnectionReader(NetworkStream stream)
    {
        _stream = stream;
    }

    /// <summary>The next request, or null when the client closed the connection between requests.</summary>
    public async Task<IncomingRequest?> ReadRequestAsync(CancellationToken cancellationToken)
    {
        int headEnd;
        while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end - _start >= MaxHeadBytes)
            {
                throw new InvalidDataException("Request head exceeds " + MaxHeadBytes + " bytes.");
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }

        string head = Encoding.Latin1.GetString(_buffer, _start, headEnd);
        _start += headEnd + 4;
        string[] lines = head.Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        if (requestLine.Length < 2)
        {
            throw new InvalidDataException("Malformed request line '" + lines[0] + "'.");
        }

        var headers = new Dictionary<string, string>(lines.Length, StringComparer.OrdinalIgnoreCase);
        for (int i = 1; i < lines.Length; i++)
        {
            int colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            string name = lines[i][..colon].Trim();
            string value = lines[i][(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out string? earlier) ? earlier + ", " + value : value;
        }

        string target = requestLine[1];
        int query = target.IndexOf('?', StringComparison.Ordinal);
        string path = query < 0 ? target : target[..query];

        if (headers.TryGetValue("Expect", out string? expect) && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            await _stream.WriteAsync(s_continue, cancellationToken).ConfigureAwait(false);
        }

        (byte[] body, int length) = headers.TryGetValue("Transfer-Encoding", out string? encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase)
            ? await ReadChunkedBodyAsync(cancellationToken).ConfigureAwait(false)
            : await ReadSizedBodyAsync(headers, cancellationToken).ConfigureAwait(false);
        return new IncomingRequest(requestLine[0], path, headers, body, length);
    }

    /// <summary>Waits until the client closes (or sends anything), for replies that never answer.</summary>
    public async Task WaitForCloseAsync(CancellationToken cancellationToken)
    {
        byte[] sink = new byte[1];
        while (await _stream.ReadAsync(sink, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    private async Task<(byte[], int)> ReadSizedBodyAsync(Dictionary<string, string> headers, CancellationToken cancellationToken)
    {
        if (!headers.TryGetValue("Content-Length", out string? text) || !int.TryParse(text, out int length) || length <= 0)
        {
            return ([], 0);
        }

        if (length > MaxBodyBytes)
        {
            throw new InvalidDataException("Request body exceeds " + MaxBodyBytes + " bytes.");
        }

        byte[] body = ArrayPool<byte>.Shared.Rent(length);
        await ReadExactAsync(body, 0, length, cancellationToken).ConfigureAwait(false);
        return (body, length);
    }

    private async Task<(byte[], int)> ReadChunkedBodyAsync(CancellationToken cancellationToken)
    {
        byte[] body = ArrayPool<byte>.Shared.Rent(4096);
        int length = 0;
        while (true)
        {
            string sizeLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            int semicolon = sizeLine.IndexOf(';', StringComparison.Ordinal);
            int size = Convert.ToInt32(semicolon < 0 ? sizeLine : sizeLine[..semicolon], 16);
            if (size == 0)
            {
                // Trailers, if any, end with an empty line.
                while ((await ReadLineAsync(cancellationToken).ConfigureAwait(false)).Length > 0)
                {
                }

                return (body, length);
            }

            if (length + size > MaxBodyBytes)
            {
                throw new InvalidDataException("Request body exceeds " + MaxBodyBytes + " bytes.");
            }

            if (length + size > body.Length)
            {
                byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(body.Length * 2, length + size));
                body.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(body);
                body = larger;
            }

            await ReadExactAsync(body, length, size, cancellationToken).ConfigureAwait(false);
            length += size;
            await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        int lineEnd;
        while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
        {
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new EndOfStreamException("The client closed the connection inside a chunked body.");
            }
        }

        string line = Encoding.Latin1.GetString(_buffer, _start, lineEnd);
        _start += lineEnd + 2;
        return line;
    }

    private async Task ReadExactAsync(byte[] destination, int offset, int count, CancellationToken cancellationToken)
    {
        int buffered = Math.Min(count, _end - _start);
        _buffer.AsSpan(_start, buffered).CopyTo(destination.AsSpan(offset));
        _start += buffered;
        if (buffered < count)
        {
            await _stream.ReadExactlyAsync(destination.AsMemory(offset + buffered, count - buffered), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }
}
