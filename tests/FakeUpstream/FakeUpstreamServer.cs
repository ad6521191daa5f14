using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FakeUpstream;

/// <summary>
/// A real HTTP server on a free loopback port that answers like an OpenAI-compatible
/// (<c>POST {OpenAIBaseUrl}/chat/completions</c>) and an Anthropic-compatible
/// (<c>POST {AnthropicBaseUrl}/v1/messages</c>) provider, with replies scripted per model and
/// faults on demand. Requests are recorded (the last <see cref="RecordCapacity"/>).
/// </summary>
public sealed class FakeUpstreamServer : IAsyncDisposable, IDisposable
{
    /// <summary>How many of the most recent requests <see cref="Requests"/> keeps.</summary>
    public const int RecordCapacity = 10_000;

    private static readonly byte[] s_health = """{"status":"ok"}"""u8.ToArray();
    private static readonly byte[] s_notFound = """{"error":{"message":"Unknown path on the fake upstream. Use POST /v1/chat/completions or POST /anthropic/v1/messages.","type":"invalid_request_error","code":"not_found"}}"""u8.ToArray();

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ScriptBook _scripts = new();
    private readonly RequestLog _log = new(RecordCapacity);
    private readonly ConcurrentDictionary<Socket, byte> _connections = new();
    private readonly Task _acceptLoop;
    private int _disposed;

    private FakeUpstreamServer(Socket listener)
    {
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        BaseUrl = new Uri("http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) + "/");
        OpenAIBaseUrl = BaseUrl.AbsoluteUri + "v1";
        AnthropicBaseUrl = BaseUrl.AbsoluteUri + "anthropic";
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The port the server listens on.</summary>
    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The OpenAI-compatible base (<c>http://127.0.0.1:PORT/v1</c>); chat completions live at <c>/chat/completions</c> below it.</summary>
    public string OpenAIBaseUrl { get; }

    /// <summary>The Anthropic-compatible base (<c>http://127.0.0.1:PORT/anthropic</c>); messages live at <c>/v1/messages</c> below it.</summary>
    public string AnthropicBaseUrl { get; }

    /// <summary>
    /// Whether requests are kept for <see cref="Requests"/> (default true). The benchmark turns it off
    /// so the hot path does not decode bodies; <see cref="CountFor"/> counts either way.
    /// </summary>
    public bool RecordRequests { get; set; } = true;

    /// <summary>A snapshot of the most recent requests, oldest first (at most <see cref="RecordCapacity"/>).</summary>
    public IReadOnlyList<RecordedRequest> Requests => _log.Snapshot();

    /// <summary>Starts a server on a free loopback port.</summary>
    public static FakeUpstreamServer Start() => Start(0);

    /// <summary>Starts a server on <paramref name="port"/>, or on a free port the system picks when it is 0.</summary>
    public static FakeUpstreamServer Start(int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Binding port 0 lets the system pick a free port atomically: no probe-then-bind race.
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen(4096);
            return new FakeUpstreamServer(listener);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new InvalidOperationException(
                "The fake upstream could not listen on 127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + " (" + ex.Message + "). Pick another --port, or 0 for a free one.",
                ex);
        }
    }

    /// <summary>Replies for requests whose body <c>model</c> equals <paramref name="model"/>, consumed in order; the last repeats.</summary>
    public void Script(string model, params FakeReply[] replies)
    {
        ArgumentNullException.ThrowIfNull(model);
        _scripts.Script(model, replies);
    }

    /// <summary>Replies for any model without its own script (initially one text answer, "Hello from fake upstream").</summary>
    public void ScriptDefault(params FakeReply[] replies) => _scripts.ScriptDefault(replies);

    /// <summary>A per-test decision that takes precedence over scripts whenever it returns a reply (null falls through to the scripts).</summary>
    public void Handle(Func<RecordedRequest, FakeReply?> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _scripts.Handle(handler);
    }

    /// <summary>How many chat/messages requests named <paramref name="model"/> since start or the last <see cref="Reset"/>.</summary>
    public int CountFor(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return _log.CountFor(model);
    }

    /// <summary>Forgets scripts, the handler, recorded requests and counts.</summary>
    public void Reset()
    {
        _scripts.Reset();
        _log.Clear();
    }

    /// <summary>Stops listening, ends hanging replies and drops open connections.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Dispose();
        foreach (Socket connection in _connections.Keys)
        {
            connection.Dispose();
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The loop ends by the listener closing; how it ends is not interesting.
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (Volatile.Read(ref _disposed) == 0)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            _ = ServeConnectionAsync(connection);
        }
    }

    private async Task ServeConnectionAsync(Socket connection)
    {
        _connections.TryAdd(connection, 0);
        try
        {
            connection.NoDelay = true;
            await using var stream = new NetworkStream(connection, ownsSocket: true);
            var reader = new ConnectionReader(stream);
            while (!_stopping.IsCancellationRequested)
            {
                IncomingRequest? request = await reader.ReadRequestAsync(_stopping.Token).ConfigureAwait(false);
                if (request is null)
                {
                    return;
                }

                bool keepGoing;
                try
                {
                    keepGoing = await ExchangeAsync(connection, stream, reader, request).ConfigureAwait(false);
                }
                finally
                {
                    request.ReturnBody();
                }

                if (!keepGoing || !request.KeepAlive)
                {
                    return;
                }
            }
        }
        catch (Exception)
        {
            // Client gone, server disposed, a malformed request or a fault reply: the connection just ends.
        }
        finally
        {
            _connections.TryRemove(connection, out _);
            connection.Dispose();
        }
    }

    /// <summary>Answers one request; false when the connection cannot carry another.</summary>
    private async Task<bool> ExchangeAsync(Socket connection, NetworkStream stream, ConnectionReader reader, IncomingRequest request)
    {
        bool isPost = string.Equals(request.Method, "POST", StringComparison.Ordinal);
        WireFormat? format = null;
        if (isPost && request.Path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            format = WireFormat.OpenAI;
        }
        else if (isPost && request.Path.EndsWith("/messages", StringComparison.Ordinal))
        {
            format = WireFormat.Anthropic;
        }

        RequestInfo info = format is WireFormat wire
            ? RequestInfo.Parse(wire, request.BodySpan)
            : new RequestInfo(WireFormat.OpenAI, string.Empty, false, false);
        bool record = RecordRequests;
        RecordedRequest? recorded = record || _scripts.HasHandler ? Record(request, info) : null;
        if (record && recorded is not null)
        {
            _log.Add(recorded);
        }

        var reply = new ReplyContext(connection, stream, reader, info, _stopping.Token);
        if (format is not null)
        {
            _log.Count(info.Model);
            await _scripts.Next(info.Model, recorded).WriteAsync(reply).ConfigureAwait(false);
        }
        else
        {
            await AnswerOtherAsync(reply, request.Method, request.Path, request.BodyLength).ConfigureAwait(false);
        }

        return !reply.Aborted;
    }

    private Task AnswerOtherAsync(ReplyContext reply, string method, string path, int bodyLength)
    {
        const string Json = "application/json";
        bool isGet = string.Equals(method, "GET", StringComparison.Ordinal);
        if (isGet && string.Equals(path, "/health", StringComparison.Ordinal))
        {
            return reply.WriteWholeAsync(200, Json, s_health, null);
        }

        if (isGet && path.EndsWith("/models", StringComparison.Ordinal))
        {
            return reply.WriteWholeAsync(200, Json, ModelList.Render(_scripts.ScriptedModels, path.StartsWith("/anthropic/", StringComparison.Ordinal)), null);
        }

        if (string.Equals(method, "POST", StringComparison.Ordinal) && path.EndsWith("/messages/count_tokens", StringComparison.Ordinal))
        {
            // About four bytes of JSON per token: enough for callers that only need a plausible number.
            byte[] body = Encoding.UTF8.GetBytes("{\"input_tokens\":" + Math.Max(1, bodyLength / 4).ToString(CultureInfo.InvariantCulture) + "}");
            return reply.WriteWholeAsync(200, Json, body, null);
        }

        return reply.WriteWholeAsync(404, Json, s_notFound, null);
    }

    private static RecordedRequest Record(IncomingRequest request, RequestInfo info)
    {
        return new RecordedRequest(
            request.Method,
            request.Path,
            request.Headers,
            Encoding.UTF8.GetString(request.BodySpan),
            info.Model.Length == 0 ? null : info.Model,
            info.Stream,
            DateTimeOffset.UtcNow);
    }
}
