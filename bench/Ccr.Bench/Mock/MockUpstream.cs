using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ccr.Bench.Mock;

/// <summary>
/// A lean OpenAI-compatible upstream on a raw socket: every answer is serialized once at start, so the
/// mock spends its time in the kernel and is never what a benchmark measures. Any POST gets a chat
/// completion; a body with "stream":true gets <see cref="Chunks"/> SSE events, <see cref="DelayMs"/> apart.
/// </summary>
internal sealed class MockUpstream : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _completion;
    private readonly byte[] _health;
    private readonly byte[] _streamHead;
    private readonly byte[][] _streamEvents;
    private readonly Task _acceptLoop;
    private long _requests;

    private MockUpstream(int port, int chunks, int delayMs)
    {
        Chunks = chunks;
        DelayMs = delayMs;
        _completion = BuildCompletion();
        _health = BuildResponse("application/json", "{\"status\":\"ok\"}"u8);
        _streamHead = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n");
        _streamEvents = BuildStreamEvents(chunks);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        _listener.Listen(4096);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public int Chunks { get; }

    public int DelayMs { get; }

    public long Requests => Interlocked.Read(ref _requests);

    public static MockUpstream Start(int port = 0, int chunks = 50, int delayMs = 10) => new(port, chunks, delayMs);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            client.NoDelay = true;
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        byte[] buffer = new byte[16 * 1024];
        int start = 0;
        int end = 0;
        CancellationToken ct = _stop.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                // Head.
                int headEnd;
                while ((headEnd = buffer.AsSpan(start, end - start).IndexOf("\r\n\r\n"u8)) < 0)
                {
                    if (!await FillAsync())
                    {
                        return;
                    }
                }

                headEnd += start;
                ReadOnlySpan<byte> head = buffer.AsSpan(start, headEnd - start);
                bool isGet = head.StartsWith("GET "u8);
                ReadHead(head, out long contentLength, out bool chunked);
                start = headEnd + 4;

                // Body: only whether it asks for a stream matters.
                bool stream = false;
                if (chunked)
                {
                    while (true)
                    {
                        int lineEnd;
                        while ((lineEnd = buffer.AsSpan(start, end - start).IndexOf("\r\n"u8)) < 0)
                        {
                            if (!await FillAsync())
                            {
                                return;
                            }
                        }

                        ReadOnlySpan<byte> line = buffer.AsSpan(start, lineEnd);
                        int semi = line.IndexOf((byte)';');
                        Utf8Parser.TryParse(semi < 0 ? line : line[..semi], out long size, out _, 'X');
                        start += lineEnd + 2;
                        if (size == 0)
                        {
                            while ((lineEnd = buffer.AsSpan(start, end - start).IndexOf("\r\n"u8)) < 0)
                            {
                                if (!await FillAsync())
                                {
                                    return;
                                }
                            }

                            start += lineEnd + 2;
                            break;
                        }

                        stream |= await ScanAsync(size + 2);
                    }
                }
                else if (contentLength > 0)
                {
                    stream = await ScanAsync(contentLength);
                }

                Interlocked.Increment(ref _requests);
                if (isGet)
                {
                    await SendAsync(client, _health, ct);
                }
                else if (stream)
                {
                    await SendAsync(client, _streamHead, ct);
                    for (int i = 0; i < _streamEvents.Length; i++)
                    {
                        if (i > 0 && DelayMs > 0 && i < _streamEvents.Length - 1)
                        {
                            await Task.Delay(DelayMs, ct).ConfigureAwait(false);
                        }

                        await SendAsync(client, _streamEvents[i], ct);
                    }
                }
                else
                {
                    await SendAsync(client, _completion, ct);
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer went away or the mock stops.
        }
        finally
        {
            client.Dispose();
        }

        async Task<bool> FillAsync()
        {
            if (start == end)
            {
                start = end = 0;
            }
            else if (end == buffer.Length)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
                if (end == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
            }

            int read = await client.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, ct).ConfigureAwait(false);
            end += read;
            return read > 0;
        }

        // Consumes count body bytes and tells whether they ask for a stream. The flag sits in the first
        // bytes of every request the harness and the proxies send, so a split across reads does not matter.
        async Task<bool> ScanAsync(long count)
        {
            bool found = false;
            while (count > 0)
            {
                if (start == end && !await FillAsync())
                {
                    throw new IOException("Client closed mid-body.");
                }

                int n = (int)Math.Min(count, end - start);
                ReadOnlySpan<byte> part = buffer.AsSpan(start, n);
                found |= part.IndexOf("\"stream\":true"u8) >= 0 || part.IndexOf("\"stream\": true"u8) >= 0;
                start += n;
                count -= n;
            }

            return found;
        }
    }

    private static async ValueTask SendAsync(Socket socket, byte[] bytes, CancellationToken ct)
    {
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, ct).ConfigureAwait(false);
        }
    }

    private static void ReadHead(ReadOnlySpan<byte> head, out long contentLength, out bool chunked)
    {
        int lineEnd = head.IndexOf("\r\n"u8);
        Ccr.Bench.Http.HeaderFields.Read(lineEnd < 0 ? default : head[(lineEnd + 2)..], out contentLength, out chunked, out _);
        contentLength = Math.Max(0, contentLength);
    }

    private static byte[] BuildResponse(string contentType, ReadOnlySpan<byte> body)
    {
        string head = string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    private static byte[] BuildCompletion()
    {
        const string json = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"m\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello from the bench mock. This answer is short and fixed.\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":11,\"total_tokens\":23}}";
        return BuildResponse("application/json", Encoding.UTF8.GetBytes(json));
    }

    private static byte[][] BuildStreamEvents(int chunks)
    {
        var events = new List<byte[]>(chunks + 2);
        for (int i = 0; i < chunks; i++)
        {
            string delta = i == 0 ? "{\"role\":\"assistant\",\"content\":\"tok0 \"}" : string.Create(CultureInfo.InvariantCulture, $"{{\"content\":\"tok{i} \"}}");
            events.Add(Chunk(string.Create(CultureInfo.InvariantCulture,
                $"data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"finish_reason\":null}}]}}\n\n")));
        }

        string last = string.Create(CultureInfo.InvariantCulture,
            $"data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{{}},\"finish_reason\":\"stop\"}}],\"usage\":{{\"prompt_tokens\":12,\"completion_tokens\":{chunks},\"total_tokens\":{chunks + 12}}}}}\n\ndata: [DONE]\n\n");
        events.Add([.. Chunk(last), .. "0\r\n\r\n"u8]);
        return [.. events];

        static byte[] Chunk(string data)
        {
            byte[] payload = Encoding.UTF8.GetBytes(data);
            byte[] size = Encoding.ASCII.GetBytes(payload.Length.ToString("X", CultureInfo.InvariantCulture) + "\r\n");
            return [.. size, .. payload, .. "\r\n"u8];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
