using System.Buffers;
using System.Runtime.CompilerServices;
using System.Net;
using Ccr.Core.Buffers;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Protocol.Inbound;

namespace Ccr.Core.Routing;

/// <summary>How one attempt at one target ended.</summary>
internal enum AttemptOutcome
{
    /// <summary>The answer reached the client.</summary>
    Succeeded,

    /// <summary>Failed before any byte reached the client: the next attempt or tier may serve.</summary>
    Failed,

    /// <summary>Failed after the stream had started: it was ended with an error event.</summary>
    FailedAfterStart,

    /// <summary>The client went away; the upstream call was cancelled.</summary>
    ClientGone,
}

internal readonly record struct AttemptResult(AttemptOutcome Outcome, UpstreamFailure? Failure, ResponseSummary? Summary)
{
    public static AttemptResult Fail(UpstreamFailure failure) => new(AttemptOutcome.Failed, failure, null);

    public static AttemptResult ClientGone { get; } = new(AttemptOutcome.ClientGone, null, null);
}

/// <summary>
/// Sends one request to one target and forwards the answer. The first byte goes to the client only
/// after the upstream's first event has been seen to be good, so every earlier failure can fall back.
/// </summary>
internal static class AttemptExecutor
{
    private const int MaxErrorBodyBytes = 64 * 1024;
    private const int MaxUpstreamBodyBytes = 256 * 1024 * 1024;
    private const int MaxFirstEventBytes = 1024 * 1024;

    public static async Task<AttemptResult> ExecuteAsync(
        RouterEngine engine,
        ConfigSnapshot snapshot,
        RoutePlan plan,
        PlannedTarget target,
        InboundRequest request,
        IResponseSink sink,
        CancellationToken cancellationToken)
    {
        ProviderRuntime provider = target.Provider!;
        var overrides = new RequestOverrides
        {
            Model = target.Target.Model,
            Temperature = plan.Preset?.Temperature,
            MaxTokens = plan.Preset?.MaxTokens,
            TopP = plan.Preset?.TopP,
            System = plan.Preset?.System,
            StripSubagentTag = request.Facts.SubagentRoute is not null,
        };

        bool anthropicUpstream = provider.Config.Protocol == WireProtocol.Anthropic;

        // Fast path: an OpenAI client and an OpenAI upstream need no Anthropic round trip (presets still do).
        bool chatPassthrough = !anthropicUpstream && plan.Preset is null && request.ClientChatBody is not null && sink is OpenAIChatSink;
        IResponseSink output = chatPassthrough ? ((TranslatingSink)sink).Inner : sink;
        using var upstreamBody = new PooledBufferWriter(request.Body.Length + 1024);
        try
        {
            if (chatPassthrough)
            {
                OpenAIChatPassthrough.Write(request.ClientChatBody!.Value.Span, target.Target.Model, provider.Profile.MaxTokensCapFor(target.Target.Model), upstreamBody);
            }
            else if (anthropicUpstream)
            {
                AnthropicPassthroughRequest.Write(request.Body.Span, overrides, provider.Profile, upstreamBody);
            }
            else
            {
                AnthropicToOpenAIRequest.Write(request.Body.Span, overrides, provider.Profile, upstreamBody);
            }
        }
        catch (AnthropicRequestException e)
        {
            // The request checks cannot read every string of every block up front; one the translator cannot read
            // is the client's mistake (a 400 that burns no other tier), never an internal error.
            return AttemptResult.Fail(new UpstreamFailure(new AnthropicError(400, "invalid_request_error", e.Message), FailureKind.BadRequest, Retryable: false, ClientFault: true, RetryAfter: null));
        }

        TimeSpan timeout = TimeSpan.FromMilliseconds(Math.Max(1, snapshot.Config.ApiTimeoutMs));
        using var attemptToken = new AttemptDeadline(cancellationToken, timeout);

        HttpResponseMessage response;
        try
        {
            response = await engine.Upstream.SendAsync(
                provider.Config,
                provider.Profile,
                upstreamBody.WrittenMemory,
                request.Facts.Stream,
                anthropicUpstream ? request.ForwardHeaders : Array.Empty<KeyValuePair<string, string>>(),
                attemptToken.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            return cancellationToken.IsCancellationRequested
                ? AttemptResult.ClientGone
                : AttemptResult.Fail(UpstreamErrorMapper.FromException(e, provider.Config));
        }

        using (response)
        {
            if (provider.Config.HonorRateLimitHeaders && HasRateLimitHeaders(response))
            {
                engine.Health.ApplyRateLimitHeaders(target.Key, response.Headers);
            }

            try
            {
                if (!response.IsSuccessStatusCode)
                {
                    using PooledBufferWriter errorBody = await ReadBoundedAsync(response, MaxErrorBodyBytes, attemptToken.Token).ConfigureAwait(false);
                    return AttemptResult.Fail(UpstreamErrorMapper.FromHttp((int)response.StatusCode, errorBody.WrittenSpan, HeaderMap(response), provider.Config));
                }

                bool eventStream = IsEventStream(response);
                if (request.Facts.Stream && eventStream)
                {
                    return anthropicUpstream || chatPassthrough
                        ? await PassThroughStreamAsync(engine, target, response, output, chatPassthrough, attemptToken, timeout, cancellationToken).ConfigureAwait(false)
                        : await TranslateStreamAsync(engine, target, request, response, sink, attemptToken, timeout, cancellationToken).ConfigureAwait(false);
                }

                using PooledBufferWriter body = await ReadBoundedAsync(response, MaxUpstreamBodyBytes, attemptToken.Token).ConfigureAwait(false);
                if (request.Facts.Stream || eventStream)
                {
                    // The upstream ignored our stream flag (or streamed unasked): usually an error object in a 200.
                    return AttemptResult.Fail(UpstreamErrorMapper.TryDetectErrorInSuccess(body.WrittenSpan, provider.Config, out UpstreamFailure inBody)
                        ? inBody
                        : InvalidResponse(request.Facts.Stream ? "the upstream answered a streaming request with a plain body" : "the upstream answered with a stream that was not asked for"));
                }

                return await ForwardCompleteAsync(target, provider, anthropicUpstream || chatPassthrough, body, output, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransportFailure(e))
            {
                return cancellationToken.IsCancellationRequested
                    ? AttemptResult.ClientGone
                    : AttemptResult.Fail(UpstreamErrorMapper.FromException(e, provider.Config));
            }
        }
    }

    private static async Task<AttemptResult> ForwardCompleteAsync(
        PlannedTarget target,
        ProviderRuntime provider,
        bool sameProtocol,
        PooledBufferWriter body,
        IResponseSink sink,
        CancellationToken cancellationToken)
    {
        ResponseSummary? summary = null;
        using var translated = new PooledBufferWriter(sameProtocol ? 16 : body.WrittenCount + 512);
        ReadOnlyMemory<byte> answer;
        if (sameProtocol)
        {
            if (UpstreamErrorMapper.TryDetectErrorInSuccess(body.WrittenSpan, provider.Config, out UpstreamFailure inBody))
            {
                return AttemptResult.Fail(inBody);
            }

            answer = body.WrittenMemory;
        }
        else
        {
            try
            {
                summary = OpenAIToAnthropicResponse.Write(body.WrittenSpan, target.Key, translated);
            }
            catch (UpstreamProtocolException e)
            {
                return AttemptResult.Fail(e.Failure);
            }

            answer = translated.WrittenMemory;
        }

        SetRouteHeaders(sink, target);
        try
        {
            await sink.WriteCompleteAsync(200, "application/json", answer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsClientFailure(e))
        {
            return AttemptResult.ClientGone;
        }

        return new AttemptResult(AttemptOutcome.Succeeded, null, summary);
    }

    private static async Task<AttemptResult> TranslateStreamAsync(
        RouterEngine engine,
        PlannedTarget target,
        InboundRequest request,
        HttpResponseMessage response,
        IResponseSink sink,
        AttemptDeadline attemptToken,
        TimeSpan idleTimeout,
        CancellationToken clientToken)
    {
        ProviderConfig provider = target.Provider!.Config;
        var translator = new OpenAIToAnthropicStream(target.Key, TokenCounter.Estimate(request.Body.Span));
        using var output = new PooledBufferWriter(4096);
        Stream upstream = await response.Content.ReadAsStreamAsync(attemptToken.Token).ConfigureAwait(false);
        await using ConfiguredAsyncDisposable upstreamScope = upstream.ConfigureAwait(false);
        using var events = new UpstreamSseReader(upstream);
        bool started = false;
        var idle = new IdleTimer(attemptToken, idleTimeout);
        try
        {
            while (true)
            {
                try
                {
                    translator.TranslateBuffered(events, output);
                }
                catch (UpstreamProtocolException e)
                {
                    return started ? await EndWithErrorAsync(translator, e.Failure, output, sink, clientToken).ConfigureAwait(false) : AttemptResult.Fail(e.Failure);
                }

                if (!started && output.WrittenCount > 0)
                {
                    SetRouteHeaders(sink, target);
                    sink.StartStream(200, "text/event-stream");
                    engine.Metrics.StreamStarted();
                    started = true;
                }

                if (events.Completed)
                {
                    break;
                }

                try
                {
                    idle.Touch();
                    ValueTask<bool> fill = events.FillAsync(attemptToken.Token);

                    // Every event already read went into one buffer, sent in one write; the client gets what is ready
                    // as soon as the proxy would otherwise wait. Under load a burst of queued events becomes one send.
                    if (!fill.IsCompleted && started && output.WrittenCount > 0 && !await TryWriteAsync(sink, output, clientToken).ConfigureAwait(false))
                    {
                        await attemptToken.CancelAsync().ConfigureAwait(false);
                        await DrainAsync(fill).ConfigureAwait(false);
                        return AttemptResult.ClientGone;
                    }

                    await fill.ConfigureAwait(false);
                }
                catch (Exception e) when (IsTransportFailure(e))
                {
                    if (clientToken.IsCancellationRequested)
                    {
                        return AttemptResult.ClientGone;
                    }

                    UpstreamFailure failure = UpstreamErrorMapper.FromException(e, provider);
                    return started ? await EndWithErrorAsync(translator, failure, output, sink, clientToken).ConfigureAwait(false) : AttemptResult.Fail(failure);
                }
            }

            if (!started)
            {
                return AttemptResult.Fail(InvalidResponse("the upstream closed the stream before sending any event"));
            }

            translator.Complete(output);
            return await TryWriteAsync(sink, output, clientToken).ConfigureAwait(false)
                ? new AttemptResult(AttemptOutcome.Succeeded, null, translator.Summary)
                : AttemptResult.ClientGone;
        }
        finally
        {
            if (started)
            {
                engine.Metrics.StreamEnded();
            }
        }
    }

    /// <summary>Waits out a read that was started before the client left; its result no longer matters.</summary>
    private static async ValueTask DrainAsync(ValueTask<bool> pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransportFailure(e) || e is UpstreamProtocolException)
        {
        }
    }

    private static async Task<AttemptResult> EndWithErrorAsync(OpenAIToAnthropicStream translator, UpstreamFailure failure, PooledBufferWriter output, IResponseSink sink, CancellationToken clientToken)
    {
        translator.Fail(failure.Error, output);
        await TryWriteAsync(sink, output, clientToken).ConfigureAwait(false);
        return new AttemptResult(AttemptOutcome.FailedAfterStart, failure, translator.Summary);
    }

    /// <summary>
    /// Upstream and client speak the same protocol (Anthropic, or OpenAI chat): the bytes go through
    /// untouched. Only the first event is read ahead, to catch an error that arrives as the first
    /// event of a 200 stream.
    /// </summary>
    private static async Task<AttemptResult> PassThroughStreamAsync(
        RouterEngine engine,
        PlannedTarget target,
        HttpResponseMessage response,
        IResponseSink sink,
        bool openAIClient,
        AttemptDeadline attemptToken,
        TimeSpan idleTimeout,
        CancellationToken clientToken)
    {
        ProviderConfig provider = target.Provider!.Config;
        Stream upstream = await response.Content.ReadAsStreamAsync(attemptToken.Token).ConfigureAwait(false);
        await using ConfiguredAsyncDisposable upstreamScope = upstream.ConfigureAwait(false);
        using var buffer = new PooledBufferWriter(16 * 1024);

        // Read ahead until the first complete event.
        int eventEnd;
        while ((eventEnd = FindEventEnd(buffer.WrittenSpan)) < 0)
        {
            if (buffer.WrittenCount > MaxFirstEventBytes)
            {
                return AttemptResult.Fail(InvalidResponse("the upstream's first stream event is larger than 1 MiB"));
            }

            attemptToken.CancelAfter(idleTimeout);
            int read = await upstream.ReadAsync(buffer.GetMemory(8192), attemptToken.Token).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
        }

        if (buffer.WrittenCount == 0)
        {
            return AttemptResult.Fail(InvalidResponse("the upstream closed the stream before sending any event"));
        }

        ReadOnlySpan<byte> firstEvent = eventEnd < 0 ? buffer.WrittenSpan : buffer.WrittenSpan[..eventEnd];
        if (TryFirstEventError(firstEvent, provider, out UpstreamFailure firstFailure))
        {
            return AttemptResult.Fail(firstFailure);
        }

        SetRouteHeaders(sink, target);
        sink.StartStream(200, "text/event-stream");
        engine.Metrics.StreamStarted();
        var idle = new IdleTimer(attemptToken, idleTimeout);
        try
        {
            if (!await TryWriteAsync(sink, buffer, clientToken).ConfigureAwait(false))
            {
                return AttemptResult.ClientGone;
            }

            while (true)
            {
                int read;
                try
                {
                    idle.Touch();
                    read = await upstream.ReadAsync(buffer.GetMemory(16 * 1024), attemptToken.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (IsTransportFailure(e))
                {
                    if (clientToken.IsCancellationRequested)
                    {
                        return AttemptResult.ClientGone;
                    }

                    UpstreamFailure failure = UpstreamErrorMapper.FromException(e, provider);
                    WriteErrorEvent(failure.Error, buffer, openAIClient);
                    await TryWriteAsync(sink, buffer, clientToken).ConfigureAwait(false);
                    return new AttemptResult(AttemptOutcome.FailedAfterStart, failure, null);
                }

                if (read == 0)
                {
                    return new AttemptResult(AttemptOutcome.Succeeded, null, null);
                }

                buffer.Advance(read);
                if (!await TryWriteAsync(sink, buffer, clientToken).ConfigureAwait(false))
                {
                    return AttemptResult.ClientGone;
                }
            }
        }
        finally
        {
            engine.Metrics.StreamEnded();
        }
    }

    private static bool TryFirstEventError(ReadOnlySpan<byte> firstEvent, ProviderConfig provider, out UpstreamFailure failure)
    {
        // An SSE event is "event: x\ndata: {...}"; only its data line is JSON.
        int dataStart = firstEvent.IndexOf("data:"u8);
        ReadOnlySpan<byte> data = dataStart < 0 ? firstEvent : firstEvent[(dataStart + 5)..];
        int lineEnd = data.IndexOfAny((byte)'\r', (byte)'\n');
        if (lineEnd >= 0)
        {
            data = data[..lineEnd];
        }

        return UpstreamErrorMapper.TryDetectErrorInSuccess(data.Trim((byte)' '), provider, out failure);
    }

    private static int FindEventEnd(ReadOnlySpan<byte> data)
    {
        int lf = data.IndexOf("\n\n"u8);
        int crlf = data.IndexOf("\r\n\r\n"u8);
        if (lf < 0)
        {
            return crlf < 0 ? -1 : crlf + 4;
        }

        return crlf < 0 || lf < crlf ? lf + 2 : crlf + 4;
    }

    private static void WriteErrorEvent(AnthropicError error, PooledBufferWriter output, bool openAIClient)
    {
        if (openAIClient)
        {
            output.Write("data: "u8);
            OpenAIErrorWriter.Write(error, output);
        }
        else
        {
            output.Write("event: error\ndata: "u8);
            error.WriteJson(output, null);
        }

        output.Write("\n\n"u8);
    }

    private static async ValueTask<bool> TryWriteAsync(IResponseSink sink, PooledBufferWriter output, CancellationToken clientToken)
    {
        if (output.WrittenCount == 0)
        {
            return true;
        }

        try
        {
            await sink.WriteAndFlushAsync(output.WrittenMemory, clientToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (IsClientFailure(e))
        {
            return false;
        }
        finally
        {
            output.Clear();
        }
    }

    private static void SetRouteHeaders(IResponseSink sink, PlannedTarget target)
    {
        sink.SetHeader("x-ccr-route", target.Key);
        sink.SetHeader("x-ccr-tier", target.TierName);
    }

    private static async Task<PooledBufferWriter> ReadBoundedAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        long? length = response.Content.Headers.ContentLength;
        var body = new PooledBufferWriter(length is > 0 and < 1024 * 1024 ? (int)length.Value : 16 * 1024);
        try
        {
            Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using ConfiguredAsyncDisposable scope = stream.ConfigureAwait(false);
            while (true)
            {
                int read = await stream.ReadAsync(body.GetMemory(16 * 1024), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return body;
                }

                body.Advance(read);
                if (body.WrittenCount > limit)
                {
                    // Keep what fits: an error body is only read for its message, a success this large is refused.
                    if (limit == MaxErrorBodyBytes)
                    {
                        return body;
                    }

                    throw new HttpRequestException("The upstream answer is larger than " + (limit / (1024 * 1024)) + " MiB.");
                }
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Re-arms the attempt's timeout as data flows, so API_TIMEOUT_MS bounds silence rather than the
    /// length of an answer; re-arming at most every 250 ms keeps timer work off the per-event path.
    /// </summary>
    private struct IdleTimer
    {
        private readonly AttemptDeadline _source;
        private readonly TimeSpan _timeout;
        private long _armedAt;

        public IdleTimer(AttemptDeadline source, TimeSpan timeout)
        {
            _source = source;
            _timeout = timeout;
            _armedAt = 0;
        }

        public void Touch()
        {
            long now = Environment.TickCount64;
            if (now - _armedAt >= 250)
            {
                _armedAt = now;
                _source.CancelAfter(_timeout);
            }
        }
    }

    private static UpstreamFailure InvalidResponse(string message) =>
        new(new AnthropicError(502, "api_error", message), FailureKind.InvalidResponse, Retryable: true, ClientFault: false, RetryAfter: null);

    private static bool IsEventStream(HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType is string media &&
        media.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase);

    private static bool HasRateLimitHeaders(HttpResponseMessage response) =>
        response.Headers.Contains("x-ratelimit-remaining") || response.Headers.Contains("x-ratelimit-remaining-requests");

    private static Dictionary<string, string> HeaderMap(HttpResponseMessage response)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, IEnumerable<string>> header in response.Headers)
        {
            map[header.Key] = string.Join(",", header.Value);
        }

        foreach (KeyValuePair<string, IEnumerable<string>> header in response.Content.Headers)
        {
            map[header.Key] = string.Join(",", header.Value);
        }

        return map;
    }

    private static bool IsTransportFailure(Exception e) =>
        e is HttpRequestException or IOException or OperationCanceledException or System.Net.Sockets.SocketException or HttpIOException;

    private static bool IsClientFailure(Exception e) =>
        e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException;
}
