using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text;
using Ccr.Core.Buffers;
using Ccr.Core.Config;
using Ccr.Core.Protocol.Inbound;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;
using Ccr.Core.Server.Http;
using Ccr.Core.Tokens;

namespace Ccr.Core.Server;

/// <summary>
/// The HTTP side of the proxy: serves the endpoints on <see cref="HttpServer"/> (plain sockets,
/// in-box, no admin rights), enforces auth and limits, and hands Messages requests to the router.
/// Every failure answers with an Anthropic-shaped error and a request id.
/// </summary>
internal sealed class ProxyServer : IAsyncDisposable
{
    private static readonly string[] s_forwardedHeaders = { "anthropic-version", "anthropic-beta" };

    /// <summary>What the Anthropic API itself sends through a silence; every Anthropic client ignores it.</summary>
    private static readonly byte[] s_anthropicPing = "event: ping\ndata: {\"type\": \"ping\"}\n\n"u8.ToArray();

    /// <summary>An SSE comment: OpenAI streams have no ping event, and their clients skip comment lines.</summary>
    private static readonly byte[] s_sseCommentPing = ": ping\n\n"u8.ToArray();

    private readonly RouterEngine _engine;
    private readonly HttpServer _http;
    private readonly CancellationTokenSource _stopping = new();

    // Cancelled when draining gives up: in-flight upstream calls are abandoned, not left running.
    private readonly CancellationTokenSource _abort = new();

    // Cancelled first when draining gives up: each request still running ends with an Anthropic error (an error event
    // mid-stream) that its client can act on; only then are the sockets closed.
    private readonly CancellationTokenSource _drainExpired = new();
    private ServerInfo _info;
    private readonly ServerControl _control;
    private ClientAuth _auth;
    private int _inFlight;
    private long _requestsServed;

    public ProxyServer(RouterEngine engine, ServerControl control, HttpServerLimits limits)
    {
        _engine = engine;
        _control = control;
        _auth = new ClientAuth(engine.Snapshot.Config.ApiKey);
        _http = new HttpServer(HandleAsync, limits, () => _engine.Snapshot.Config.MaxBodyBytes);
        _info = new ServerInfo(0, Environment.ProcessId, ProxyMode.Session, DateTimeOffset.UtcNow, null);
    }

    public int InFlight => Volatile.Read(ref _inFlight);

    public long RequestsServed => Interlocked.Read(ref _requestsServed);

    public long ConnectionsAccepted => _http.ConnectionsAccepted;

    public int Port => _http.Port;

    /// <summary>Binds <paramref name="addresses"/> on <paramref name="port"/> (0 = free port); throws <see cref="System.Net.Sockets.SocketException"/> when it is taken.</summary>
    public void Start(IReadOnlyList<IPAddress> addresses, int port, Func<int, ServerInfo> describe)
    {
        _http.Start(addresses, port);
        _info = describe(_http.Port);
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
        _http.StopAccepting();
        long deadline = Environment.TickCount64 + (long)drainTimeout.TotalMilliseconds;
        while (Volatile.Read(ref _inFlight) > 0 && Environment.TickCount64 < deadline)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        if (Volatile.Read(ref _inFlight) > 0)
        {
            await _drainExpired.CancelAsync().ConfigureAwait(false);

            // Writing an error event takes a moment, not a drain: a short bound of its own.
            long errorsWritten = Environment.TickCount64 + 1000;
            while (Volatile.Read(ref _inFlight) > 0 && Environment.TickCount64 < errorsWritten)
            {
                await Task.Delay(10).ConfigureAwait(false);
            }
        }

        await _abort.CancelAsync().ConfigureAwait(false);
        await _http.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _stopping.Dispose();
        _abort.Dispose();
        _drainExpired.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        int inFlight = Interlocked.Increment(ref _inFlight);
        string requestId = NewRequestId();
        HttpResponse response = context.Response;
        int status = 0;
        string endpoint = "other";
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, context.Aborted);
        try
        {
            response.SetHeader("request-id", requestId);
            if (_stopping.IsCancellationRequested)
            {
                response.KeepAlive = false;
            }

            if (inFlight > _engine.Snapshot.Config.MaxConcurrentRequests && context.Request.Path != "/health")
            {
                // Shed load with a 503 the SDKs retry, instead of queueing work the upstreams cannot take either.
                response.SetHeader("retry-after", "1");
                status = await ErrorAsync(response, 503, "overloaded_error", string.Create(CultureInfo.InvariantCulture,
                    $"Ccr is serving {inFlight - 1} requests, its MAX_CONCURRENT_REQUESTS limit; retry shortly or raise the limit in the config."), requestId).ConfigureAwait(false);
                return;
            }

            (endpoint, status) = await DispatchAsync(context, requestId, aborted.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Nothing a request does may take the proxy down; the client gets a clean 500.
        catch (Exception e)
#pragma warning restore CA1031
        {
            status = 500;
            _engine.Log.Warn("unhandled error: " + e.GetType().Name + ": " + e.Message, requestId);
            if (!response.HasStarted)
            {
                await TryWriteErrorAsync(response, new AnthropicError(500, "api_error", "Ccr hit an internal error; the request id is in the log."), requestId).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Increment(ref _requestsServed);
            _engine.Metrics.RecordRequest(endpoint, status);
            if (endpoint is "messages" or "chat_completions" or "responses")
            {
                _engine.Live.RecordRequest(status >= 400);
            }
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task<(string Endpoint, int Status)> DispatchAsync(HttpContext context, string requestId, CancellationToken aborted)
    {
        HttpRequestHead request = context.Request;
        HttpResponse response = context.Response;
        string path = request.Path;
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

        if (!_auth.IsAuthorized(request["x-api-key"], request["Authorization"]))
        {
            return ("auth", await ErrorAsync(response, 401, "authentication_error",
                "This Ccr proxy requires its APIKEY: send it as x-api-key or Authorization: Bearer (Claude Code: set ANTHROPIC_AUTH_TOKEN, or run Start-CcrProxy -SetEnvironment).", requestId).ConfigureAwait(false));
        }

        if (!TryParseRoute(path, request.RawTarget, out ProxyRoute route, out string? presetName))
        {
            return ("other", await ErrorAsync(response, 404, "not_found_error",
                "No endpoint at " + Truncate(path, 200) + ". Ccr serves POST /v1/messages, /v1/messages/count_tokens, /v1/chat/completions, /v1/responses, /preset/{name}/v1/..., GET /health, /v1/models, /metrics.", requestId).ConfigureAwait(false));
        }

        bool isGet = request.Method is "GET" or "HEAD";
        bool isPost = request.Method == "POST";
        switch (route)
        {
            case ProxyRoute.Models when isGet:
                return ("models", await WriteJsonAsync(response, 200, WriteModels).ConfigureAwait(false));
            case ProxyRoute.Metrics when isGet:
                return ("metrics", await WriteTextAsync(response, "text/plain; version=0.0.4; charset=utf-8", _engine.Metrics.RenderPrometheus()).ConfigureAwait(false));
            case ProxyRoute.Messages when isPost:
                return ("messages", await HandleMessagesAsync(context, requestId, presetName, aborted).ConfigureAwait(false));
            case ProxyRoute.ChatCompletions when isPost:
                return ("chat_completions", await HandleOpenAIAsync(context, requestId, presetName, responses: false, aborted).ConfigureAwait(false));
            case ProxyRoute.Responses when isPost:
                return ("responses", await HandleOpenAIAsync(context, requestId, presetName, responses: true, aborted).ConfigureAwait(false));
            case ProxyRoute.Tiers when isGet:
                return ("tiers", await WriteJsonAsync(response, 200, writer => TierStatusReport.Write(writer, TierStatusReport.Build(_engine))).ConfigureAwait(false));
            case ProxyRoute.Usage when isGet:
                return ("usage", await UsageEndpoint.HandleAsync(context, _engine, requestId).ConfigureAwait(false));
            case ProxyRoute.Dashboard when isGet:
                return ("dashboard", await WriteJsonAsync(response, 200, writer => LiveReport.Build(_engine, InFlight, RequestsServed).Write(writer)).ConfigureAwait(false));
            case ProxyRoute.StatusLine when isPost:
                return ("statusline", await StatusLineEndpoint.HandleAsync(context, _engine).ConfigureAwait(false));
            case ProxyRoute.Shutdown when isPost:
                return ("shutdown", await HandleShutdownAsync(context, requestId).ConfigureAwait(false));
            case ProxyRoute.CountTokens when isPost:
                return ("count_tokens", await HandleCountTokensAsync(context, requestId, presetName).ConfigureAwait(false));
            default:
                string allow = route is ProxyRoute.Models or ProxyRoute.Metrics or ProxyRoute.Tiers or ProxyRoute.Usage or ProxyRoute.Dashboard ? "GET" : "POST";
                response.SetHeader("Allow", allow);
                return ("other", await ErrorAsync(response, 405, "invalid_request_error",
                    request.Method + " is not allowed on " + Truncate(path, 200) + "; use " + allow + ".", requestId).ConfigureAwait(false));
        }
    }

    private async Task<int> HandleMessagesAsync(HttpContext context, string requestId, string? presetName, CancellationToken aborted)
    {
        PooledBufferWriter body = context.Body;
        RequestFacts facts;
        try
        {
            facts = RequestFacts.Read(body.WrittenSpan);
        }
        catch (AnthropicRequestException e)
        {
            return await ErrorAsync(context.Response, e.Error.Status, e.Error.Type, e.Error.Message, requestId).ConfigureAwait(false);
        }

        KeepStreamAlive(context.Response, s_anthropicPing);
        RouteResult result = await RouteAsync(context, requestId, presetName, body.WrittenMemory, facts, context.Response, aborted).ConfigureAwait(false);
        return result.Status;
    }

    /// <summary>Pings a streamed answer through silences (STREAM_PING_INTERVAL_MS) with what the client's protocol ignores.</summary>
    private void KeepStreamAlive(HttpResponse response, byte[] ping)
    {
        int intervalMs = _engine.Snapshot.Config.StreamPingIntervalMs;
        if (intervalMs > 0)
        {
            response.PingWhenSilent(ping, TimeSpan.FromMilliseconds(intervalMs), _engine.Time);
        }
    }

    /// <summary>
    /// OpenAI Chat Completions and Responses clients: the request becomes an Anthropic Messages request,
    /// goes through the same router, and the answer is translated back on its way out.
    /// </summary>
    private async Task<int> HandleOpenAIAsync(HttpContext context, string requestId, string? presetName, bool responses, CancellationToken aborted)
    {
        PooledBufferWriter body = context.Body;
        using var anthropic = new PooledBufferWriter(body.WrittenCount + 1024);
        HttpResponse inner = context.Response;
        KeepStreamAlive(inner, s_sseCommentPing);
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

        RouteResult result = responses
            ? await RouteAsync(context, requestId, presetName, anthropic.WrittenMemory, facts, sink, aborted, ClientProtocol.OpenAIResponses).ConfigureAwait(false)
            : await RouteAsync(context, requestId, presetName, anthropic.WrittenMemory, facts, sink, aborted, ClientProtocol.OpenAIChat, body.WrittenMemory, inner).ConfigureAwait(false);
        try
        {
            await sink.CompleteAsync(aborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client left before the stream's tail.
        }

        return result.Status;
    }

    private Task<RouteResult> RouteAsync(
        HttpContext context,
        string requestId,
        string? presetName,
        ReadOnlyMemory<byte> body,
        RequestFacts facts,
        IResponseSink sink,
        CancellationToken aborted,
        ClientProtocol clientProtocol = ClientProtocol.Anthropic,
        ReadOnlyMemory<byte>? clientChatBody = null,
        IResponseSink? clientSink = null)
    {
        var forward = new List<KeyValuePair<string, string>>(2);
        foreach (string name in s_forwardedHeaders)
        {
            string? value = context.Request[name];
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
            ClientProtocol = clientProtocol,
            ClientChatBody = clientChatBody,
            ClientSink = clientSink,
            ServerStopping = _drainExpired.Token,
        };
        return _engine.Router.RouteAsync(inbound, sink, aborted);
    }

    private async Task<int> HandleShutdownAsync(HttpContext context, string requestId)
    {
        if (!_control.Authorizes(context.Request["x-ccr-control-token"]))
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

    private async Task<int> HandleCountTokensAsync(HttpContext context, string requestId, string? presetName)
    {
        PooledBufferWriter body = context.Body;

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

    /// <summary>Maps a path to an endpoint; rejects preset names that could escape the route (dots, encoded slashes).</summary>
    internal static bool TryParseRoute(string path, string? rawUrl, out ProxyRoute route, out string? presetName)
    {
        presetName = null;
        route = default;
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

        ProxyRoute? found = rest switch
        {
            "/v1/messages" => ProxyRoute.Messages,
            "/v1/messages/count_tokens" => ProxyRoute.CountTokens,
            "/v1/chat/completions" => ProxyRoute.ChatCompletions,
            "/v1/responses" => ProxyRoute.Responses,
            "/v1/models" when presetName is null => ProxyRoute.Models,
            "/metrics" when presetName is null => ProxyRoute.Metrics,
            "/ccr/tiers" when presetName is null => ProxyRoute.Tiers,
            "/ccr/usage" when presetName is null => ProxyRoute.Usage,
            "/ccr/dashboard" when presetName is null => ProxyRoute.Dashboard,
            "/ccr/shutdown" when presetName is null => ProxyRoute.Shutdown,
            "/ccr/statusline" when presetName is null => ProxyRoute.StatusLine,
            _ => null,
        };
        route = found.GetValueOrDefault();
        return found is not null;
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
        writer.WriteString("mode", ProxyModeText.Of(_info.Mode));
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
        writer.WriteString("persistence", _engine.Shared.Status.Describe());
        writer.WriteString("custom_router", _engine.CustomRouter?.Describe() ?? "none");
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

    private static async Task<int> WriteJsonAsync(HttpResponse response, int status, Action<Utf8JsonWriter> write)
    {
        using var buffer = new PooledBufferWriter(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        await response.WriteCompleteAsync(status, "application/json", buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
        return status;
    }

    private static async Task<int> WriteBytesAsync(HttpResponse response, int status, ReadOnlyMemory<byte> json)
    {
        await response.WriteCompleteAsync(status, "application/json", json, CancellationToken.None).ConfigureAwait(false);
        return status;
    }

    private static async Task<int> WriteTextAsync(HttpResponse response, string contentType, string text)
    {
        await response.WriteCompleteAsync(200, contentType, Encoding.UTF8.GetBytes(text), CancellationToken.None).ConfigureAwait(false);
        return 200;
    }

    private static async Task<int> ErrorAsync(HttpResponse response, int status, string type, string message, string requestId)
    {
        await TryWriteErrorAsync(response, new AnthropicError(status, type, message), requestId).ConfigureAwait(false);
        return status;
    }

    private static async Task TryWriteErrorAsync(HttpResponse response, AnthropicError error, string requestId)
    {
        try
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            error.WriteJson(buffer, requestId);
            await response.WriteCompleteAsync(error.Status, "application/json", buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The headers were already sent or the client left; there is nothing more to tell it.
        }
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static string NewRequestId() => "req_ccr_" + Guid.NewGuid().ToString("N");
}
