using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Ccr.Core.Buffers;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Protocol.Inbound;
using Ccr.Core.Routing;

namespace Ccr.Core.Server;

/// <summary>
/// The HTTP side of the proxy: accepts connections on HttpListener (in-box, runs inside any pwsh,
/// no admin rights for localhost prefixes), enforces auth and limits, and hands Messages requests
/// to the router. Every failure answers with an Anthropic-shaped error and a request id.
/// </summary>
internal sealed class ProxyServer : IAsyncDisposable
{
    private static readonly string[] s_forwardedHeaders = { "anthropic-version", "anthropic-beta" };

    private readonly RouterEngine _engine;
    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stopping = new();

    // Cancelled when draining gives up: in-flight upstream calls are abandoned, not left running.
    private readonly CancellationTokenSource _abort = new();
    private readonly List<Task> _acceptLoops = new();
    private readonly ServerInfo _info;
    private readonly ServerControl _control;
    private ClientAuth _auth;
    private int _inFlight;
    private long _requestsServed;

    public ProxyServer(RouterEngine engine, ServerInfo info, ServerControl control, IReadOnlyList<string> prefixes)
    {
        _engine = engine;
        _info = info;
        _control = control;
        _auth = new ClientAuth(engine.Snapshot.Config.ApiKey);
        _listener = new HttpListener { IgnoreWriteExceptions = true };
        foreach (string prefix in prefixes)
        {
            _listener.Prefixes.Add(prefix);
        }
    }

    public int InFlight => Volatile.Read(ref _inFlight);

    public long RequestsServed => Interlocked.Read(ref _requestsServed);

    /// <summary>Binds the prefixes; throws <see cref="HttpListenerException"/> when the port is taken.</summary>
    public void Start()
    {
        _listener.Start();

        // A few accepts in flight keep a new connection from waiting on the previous request's dispatch.
        int loops = Math.Clamp(Environment.ProcessorCount * 2, 2, 16);
        for (int i = 0; i < loops; i++)
        {
            _acceptLoops.Add(Task.Run(AcceptLoopAsync));
        }
    }

    /// <summary>Picks up a reloaded APIKEY.</summary>
    public void OnConfigApplied(CcrConfig config) => _auth = new ClientAuth(config.ApiKey);

    /// <summary>Stops taking requests, lets in-flight ones (streams included) finish within <paramref name="drainTimeout"/>, then closes.</summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        long deadline = Environment.TickCount64 + (long)drainTimeout.TotalMilliseconds;
        while (Volatile.Read(ref _inFlight) > 0 && Environment.TickCount64 < deadline)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        await _abort.CancelAsync().ConfigureAwait(false);

        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (ObjectDisposedException)
        {
        }

        try
        {
            await Task.WhenAll(_acceptLoops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _stopping.Dispose();
        _abort.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                if (_stopping.IsCancellationRequested || !_listener.IsListening)
                {
                    return;
                }

                continue;
            }

            _ = HandleAsync(context);
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        Interlocked.Increment(ref _inFlight);
        string requestId = NewRequestId();
        HttpListenerResponse response = context.Response;
        int status = 0;
        string endpoint = "other";
        try
        {
            response.Headers["request-id"] = requestId;
            (endpoint, status) = await DispatchAsync(context, requestId).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Nothing a request does may take the proxy down; the client gets a clean 500.
        catch (Exception e)
#pragma warning restore CA1031
        {
            status = 500;
            _engine.Log.Warn("unhandled error: " + e.GetType().Name + ": " + e.Message, requestId);
            await TryWriteErrorAsync(response, new AnthropicError(500, "api_error", "Ccr hit an internal error; the request id is in the log."), requestId).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                response.Close();
            }
#pragma warning disable CA1031 // The client may already be gone; closing is best effort.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            Interlocked.Increment(ref _requestsServed);
            _engine.Metrics.RecordRequest(endpoint, status);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task<(string Endpoint, int Status)> DispatchAsync(HttpListenerContext context, string requestId)
    {
        HttpListenerRequest request = context.Request;
        HttpListenerResponse response = context.Response;
        string path = request.Url?.AbsolutePath ?? "/";
        if (path.Length > 1 && path[^1] == '/')
        {
            path = path[..^1];
        }

        if (_stopping.IsCancellationRequested)
        {
            return ("other", await ErrorAsync(response, 503, "overloaded_error", "Ccr is shutting down; retry against the next proxy.", requestId).ConfigureAwait(false));
        }

        if (path is "/health" or "/")
        {
            return ("health", await WriteJsonAsync(response, 200, WriteHealth).ConfigureAwait(false));
        }

        if (!_auth.IsAuthorized(request.Headers["x-api-key"], request.Headers["Authorization"]))
        {
            return ("auth", await ErrorAsync(response, 401, "authentication_error",
                "This Ccr proxy requires its APIKEY: send it as x-api-key or Authorization: Bearer (Claude Code: set ANTHROPIC_AUTH_TOKEN, or run Start-CcrProxy -SetEnvironment).", requestId).ConfigureAwait(false));
        }

        if (!TryParseRoute(path, request.RawUrl, out string route, out string? presetName))
        {
            return ("other", await ErrorAsync(response, 404, "not_found_error",
                "No endpoint at " + Truncate(path, 200) + ". Ccr serves POST /v1/messages, /v1/messages/count_tokens, /v1/chat/completions, /v1/responses, /preset/{name}/v1/..., GET /health, /v1/models, /metrics.", requestId).ConfigureAwait(false));
        }

        bool isGet = request.HttpMethod == "GET";
        bool isPost = request.HttpMethod == "POST";
        switch (route)
        {
            case "models" when isGet:
                return ("models", await WriteJsonAsync(response, 200, WriteModels).ConfigureAwait(false));
            case "metrics" when isGet:
                return ("metrics", await WriteTextAsync(response, "text/plain; version=0.0.4; charset=utf-8", _engine.Metrics.RenderPrometheus()).ConfigureAwait(false));
            case "messages" when isPost:
                return ("messages", await HandleMessagesAsync(context, requestId, presetName).ConfigureAwait(false));
            case "chat" when isPost:
                return ("chat_completions", await HandleOpenAIAsync(context, requestId, presetName, responses: false).ConfigureAwait(false));
            case "responses" when isPost:
                return ("responses", await HandleOpenAIAsync(context, requestId, presetName, responses: true).ConfigureAwait(false));
            case "tiers" when isGet:
                return ("tiers", await WriteJsonAsync(response, 200, writer => TierStatusReport.Write(writer, TierStatusReport.Build(_engine))).ConfigureAwait(false));
            case "shutdown" when isPost:
                return ("shutdown", await HandleShutdownAsync(context, requestId).ConfigureAwait(false));
            case "count_tokens" when isPost:
                return ("count_tokens", await HandleCountTokensAsync(context, requestId, presetName).ConfigureAwait(false));
            default:
                response.Headers["Allow"] = route is "models" or "metrics" or "tiers" ? "GET" : "POST";
                return ("other", await ErrorAsync(response, 405, "invalid_request_error",
                    request.HttpMethod + " is not allowed on " + Truncate(path, 200) + "; use " + response.Headers["Allow"] + ".", requestId).ConfigureAwait(false));
        }
    }

    private async Task<int> HandleMessagesAsync(HttpListenerContext context, string requestId, string? presetName)
    {
        using PooledBufferWriter? body = await ReadBodyAsync(context, requestId).ConfigureAwait(false);
        if (body is null)
        {
            return context.Response.StatusCode;
        }

        RequestFacts facts;
        try
        {
            facts = RequestFacts.Read(body.WrittenSpan);
        }
        catch (AnthropicRequestException e)
        {
            return await ErrorAsync(context.Response, e.Error.Status, e.Error.Type, e.Error.Message, requestId).ConfigureAwait(false);
        }

        RouteResult result = await RouteAsync(context, requestId, presetName, body.WrittenMemory, facts, new HttpListenerSink(context.Response)).ConfigureAwait(false);
        return result.Status;
    }

    /// <summary>
    /// OpenAI Chat Completions and Responses clients: the request becomes an Anthropic Messages request,
    /// goes through the same router, and the answer is translated back on its way out.
    /// </summary>
    private async Task<int> HandleOpenAIAsync(HttpListenerContext context, string requestId, string? presetName, bool responses)
    {
        using PooledBufferWriter? body = await ReadBodyAsync(context, requestId).ConfigureAwait(false);
        if (body is null)
        {
            return context.Response.StatusCode;
        }

        using var anthropic = new PooledBufferWriter(body.WrittenCount + 1024);
        var inner = new HttpListenerSink(context.Response);
        TranslatingSink sink;
        RequestFacts facts;
        try
        {
            if (responses)
            {
                ResponsesRequestInfo info = ResponsesRequestTranslator.ToAnthropic(body.WrittenSpan, anthropic);
                if (info.DroppedTools.Count > 0)
                {
                    _engine.Log.Info("responses request: hosted tools not supported upstream were dropped: " + string.Join(", ", info.DroppedTools), requestId);
                }

                sink = new ResponsesSink(inner, info, _engine.Time);
            }
            else
            {
                sink = new OpenAIChatSink(inner, ChatCompletionsRequestTranslator.ToAnthropic(body.WrittenSpan, anthropic), _engine.Time);
            }

            facts = RequestFacts.Read(anthropic.WrittenSpan);
        }
        catch (InboundRequestException e)
        {
            var error = new ArrayBufferWriter<byte>(256);
            OpenAIErrorWriter.Write(e, error);
            return await WriteBytesAsync(context.Response, e.Status, error.WrittenMemory).ConfigureAwait(false);
        }
        catch (AnthropicRequestException e)
        {
            var error = new ArrayBufferWriter<byte>(256);
            OpenAIErrorWriter.Write(e.Error, error);
            return await WriteBytesAsync(context.Response, e.Error.Status, error.WrittenMemory).ConfigureAwait(false);
        }

        RouteResult result = await RouteAsync(context, requestId, presetName, anthropic.WrittenMemory, facts, sink).ConfigureAwait(false);
        await sink.CompleteAsync(_abort.Token).ConfigureAwait(false);
        return result.Status;
    }

    private Task<RouteResult> RouteAsync(HttpListenerContext context, string requestId, string? presetName, ReadOnlyMemory<byte> body, RequestFacts facts, IResponseSink sink)
    {
        var forward = new List<KeyValuePair<string, string>>(2);
        foreach (string name in s_forwardedHeaders)
        {
            string? value = context.Request.Headers[name];
            if (value is not null)
            {
                forward.Add(new KeyValuePair<string, string>(name, value));
            }
        }

        var inbound = new InboundRequest
        {
            Body = body,
            Facts = facts,
            PresetName = presetName,
            RequestId = requestId,
            ForwardHeaders = forward,
        };
        return _engine.Router.RouteAsync(inbound, sink, _abort.Token);
    }

    private async Task<int> HandleShutdownAsync(HttpListenerContext context, string requestId)
    {
        if (!_control.Authorizes(context.Request.Headers["x-ccr-control-token"]))
        {
            return await ErrorAsync(context.Response, 403, "permission_error",
                "Stopping this proxy needs its control token, which only the user who started it can read (Stop-CcrProxy sends it).", requestId).ConfigureAwait(false);
        }

        int status = await WriteJsonAsync(context.Response, 202, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("status", "stopping");
            writer.WriteEndObject();
        }).ConfigureAwait(false);

        // After this response is out: stopping waits for in-flight requests, this one included.
        _ = Task.Run(_control.RequestShutdown);
        return status;
    }

    private async Task<int> HandleCountTokensAsync(HttpListenerContext context, string requestId, string? presetName)
    {
        using PooledBufferWriter? body = await ReadBodyAsync(context, requestId).ConfigureAwait(false);
        if (body is null)
        {
            return context.Response.StatusCode;
        }

        if (presetName is not null && !_engine.Snapshot.Config.Presets.ContainsKey(presetName))
        {
            return await ErrorAsync(context.Response, 404, "not_found_error", "Preset '" + presetName + "' is not defined; see Get-CcrPreset.", requestId).ConfigureAwait(false);
        }

        int tokens;
        try
        {
            RequestFacts.Read(body.WrittenSpan);
            tokens = TokenCounter.CountRequest(body.WrittenSpan);
        }
        catch (AnthropicRequestException e)
        {
            return await ErrorAsync(context.Response, e.Error.Status, e.Error.Type, e.Error.Message, requestId).ConfigureAwait(false);
        }

        return await WriteJsonAsync(context.Response, 200, writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("input_tokens", tokens);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>Reads the body within MAX_BODY_BYTES; on a violation answers 413 and returns null.</summary>
    private async Task<PooledBufferWriter?> ReadBodyAsync(HttpListenerContext context, string requestId)
    {
        long limit = _engine.Snapshot.Config.MaxBodyBytes;
        long declared = context.Request.ContentLength64;
        if (declared > limit)
        {
            await ErrorAsync(context.Response, 413, "request_too_large", TooLarge(declared, limit), requestId).ConfigureAwait(false);
            return null;
        }

        var body = new PooledBufferWriter(declared > 0 ? (int)declared : 16 * 1024);
        try
        {
            Stream input = context.Request.InputStream;
            while (true)
            {
                int read = await input.ReadAsync(body.GetMemory(16 * 1024)).ConfigureAwait(false);
                if (read == 0)
                {
                    return body;
                }

                body.Advance(read);
                if (body.WrittenCount > limit)
                {
                    body.Dispose();
                    await ErrorAsync(context.Response, 413, "request_too_large", TooLarge(body.WrittenCount, limit), requestId).ConfigureAwait(false);
                    return null;
                }
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    private static string TooLarge(long size, long limit) => string.Create(CultureInfo.InvariantCulture,
        $"The request body ({size} bytes) is larger than MAX_BODY_BYTES ({limit} bytes). Raise MAX_BODY_BYTES in the config if such requests are expected.");

    /// <summary>Maps a path to an endpoint; rejects preset names that could escape the route (dots, encoded slashes).</summary>
    internal static bool TryParseRoute(string path, string? rawUrl, out string route, out string? presetName)
    {
        presetName = null;
        route = "";
        if (rawUrl is not null && (rawUrl.Contains("%2f", StringComparison.OrdinalIgnoreCase) || rawUrl.Contains("%5c", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        string rest = path;
        if (path.StartsWith("/preset/", StringComparison.Ordinal))
        {
            int end = path.IndexOf('/', 8);
            if (end < 0)
            {
                return false;
            }

            string name = Uri.UnescapeDataString(path[8..end]);
            if (!IsValidPresetName(name))
            {
                return false;
            }

            presetName = name;
            rest = path[end..];
        }

        route = rest switch
        {
            "/v1/messages" => "messages",
            "/v1/messages/count_tokens" => "count_tokens",
            "/v1/chat/completions" => "chat",
            "/v1/responses" => "responses",
            "/v1/models" when presetName is null => "models",
            "/metrics" when presetName is null => "metrics",
            "/ccr/tiers" when presetName is null => "tiers",
            "/ccr/shutdown" when presetName is null => "shutdown",
            _ => "",
        };
        return route.Length > 0;
    }

    private static bool IsValidPresetName(string name)
    {
        if (name.Length is 0 or > 128 || name == "." || name == "..")
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private void WriteHealth(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("status", "ok");
        writer.WriteString("service", CcrInfo.ServiceName);
        writer.WriteString("version", CcrInfo.Version);
        writer.WriteNumber("pid", _info.ProcessId);
        writer.WriteNumber("port", _info.Port);
        writer.WriteString("mode", _info.Mode);
        writer.WriteString("started_at", _info.StartedAt);
        writer.WriteNumber("uptime_seconds", Math.Round((_engine.Time.GetUtcNow() - _info.StartedAt).TotalSeconds, 1));
        if (_info.ConfigPath is null)
        {
            writer.WriteNull("config_path");
        }
        else
        {
            writer.WriteString("config_path", _info.ConfigPath);
        }

        writer.WriteNumber("requests_served", RequestsServed);
        writer.WriteNumber("active_streams", _engine.Metrics.ActiveStreams);
        writer.WriteEndObject();
    }

    private void WriteModels(Utf8JsonWriter writer)
    {
        // One list that both OpenAI clients (object/id/owned_by) and the Anthropic SDK (type/id/display_name) read.
        ConfigSnapshot snapshot = _engine.Snapshot;
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        string? first = null;
        string? last = null;
        foreach (ProviderConfig provider in snapshot.Config.Providers)
        {
            foreach (string model in provider.Models)
            {
                string id = provider.Name + "," + model;
                first ??= id;
                last = id;
                writer.WriteStartObject();
                writer.WriteString("id", id);
                writer.WriteString("object", "model");
                writer.WriteString("type", "model");
                writer.WriteString("owned_by", provider.Name);
                writer.WriteString("display_name", model + " (" + provider.Name + ")");
                writer.WriteNumber("created", _info.StartedAt.ToUnixTimeSeconds());
                writer.WriteString("created_at", _info.StartedAt);
                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
        writer.WriteBoolean("has_more", false);
        WriteNullableString(writer, "first_id", first);
        WriteNullableString(writer, "last_id", last);
        writer.WriteEndObject();
    }

    private static void WriteNullableString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static async Task<int> WriteJsonAsync(HttpListenerResponse response, int status, Action<Utf8JsonWriter> write)
    {
        using var buffer = new PooledBufferWriter(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = buffer.WrittenCount;
        await response.OutputStream.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
        return status;
    }

    private static async Task<int> WriteBytesAsync(HttpListenerResponse response, int status, ReadOnlyMemory<byte> json)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = json.Length;
        await response.OutputStream.WriteAsync(json).ConfigureAwait(false);
        return status;
    }

    private static async Task<int> WriteTextAsync(HttpListenerResponse response, string contentType, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        response.StatusCode = 200;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        return 200;
    }

    private static async Task<int> ErrorAsync(HttpListenerResponse response, int status, string type, string message, string requestId)
    {
        await TryWriteErrorAsync(response, new AnthropicError(status, type, message), requestId).ConfigureAwait(false);
        return status;
    }

    private static async Task TryWriteErrorAsync(HttpListenerResponse response, AnthropicError error, string requestId)
    {
        try
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            error.WriteJson(buffer, requestId);
            response.StatusCode = error.Status;
            response.ContentType = "application/json";
            response.ContentLength64 = buffer.WrittenCount;
            await response.OutputStream.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The headers were already sent or the client left; there is nothing more to tell it.
        }
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static string NewRequestId() => "req_ccr_" + Guid.NewGuid().ToString("N");
}

/// <summary>The control channel: the token that authorizes /ccr/shutdown and what to do when it is called.</summary>
internal sealed class ServerControl
{
    private readonly ClientAuth _token;

    public ServerControl(string token, Action requestShutdown)
    {
        _token = new ClientAuth(token);
        RequestShutdown = requestShutdown;
    }

    public Action RequestShutdown { get; }

    public bool Authorizes(string? presented) => presented is not null && _token.IsAuthorized(presented, null);
}

/// <summary>What /health reports about the proxy, fixed at start.</summary>
internal sealed record ServerInfo(int Port, int ProcessId, string Mode, DateTimeOffset StartedAt, string? ConfigPath);
