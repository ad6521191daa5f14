using System.Runtime.CompilerServices;
using Ccr.Core.Buffers;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Tokens;

namespace Ccr.Core.Routing;

/// <summary>
/// Sends one request to one target and forwards the answer. The first byte goes to the client only
/// after the upstream's first event has been seen to be good, so every earlier failure can fall back.
/// </summary>
internal static class AttemptExecutor
{
    /// <summary>One attempt with no request deadline beyond its own (a provider test).</summary>
    public static Task<AttemptResult> ExecuteAsync(
        RouterEngine engine,
        ConfigSnapshot snapshot,
        RoutePlan plan,
        PlannedTarget target,
        InboundRequest request,
        IResponseSink sink,
        CancellationToken cancellationToken) =>
        ExecuteAsync(engine, snapshot, plan, target, request, sink, CancellationToken.None, cancellationToken);

    /// <summary>
    /// One attempt within the tier's connect, first-byte and idle deadlines; <paramref name="requestDeadline"/> fires when the
    /// whole request's time is up, <paramref name="cancellationToken"/> when the client goes away.
    /// </summary>
    public static async Task<AttemptResult> ExecuteAsync(
        RouterEngine engine,
        ConfigSnapshot snapshot,
        RoutePlan plan,
        PlannedTarget target,
        InboundRequest request,
        IResponseSink sink,
        CancellationToken requestDeadline,
        CancellationToken cancellationToken)
    {
        ProviderRuntime provider = target.Provider!;
        RetryPolicy policy = snapshot.Config.Router.RetryPolicyFor(Math.Max(target.TierIndex, 0), provider.Config.TierName);
        using var clock = new AttemptClock(AttemptTimeouts.For(snapshot.Config, policy), engine.Time, requestDeadline, cancellationToken, request.ServerStopping);
        AttemptResult result = await AttemptAsync(engine, plan, target, request, sink, clock, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == AttemptOutcome.Succeeded && clock.FirstByteMs is double firstByte)
        {
            // Recorded here, where the clock is, rather than carried out in the result: a wider result costs every request bytes.
            engine.Live.RecordFirstByte(target.Key, firstByte);
        }

        return clock.Fired == UpstreamDeadline.None ? result : result with { Deadline = clock.Fired };
    }

    private static async Task<AttemptResult> AttemptAsync(
        RouterEngine engine,
        RoutePlan plan,
        PlannedTarget target,
        InboundRequest request,
        IResponseSink sink,
        AttemptClock clock,
        CancellationToken cancellationToken)
    {
        ProviderRuntime provider = target.Provider!;
        using var upstreamBody = new PooledBufferWriter(request.Body.Length + 1024);
        UpstreamRequestKind kind;
        try
        {
            kind = UpstreamRequestBuilder.Write(request, plan.Preset, target, upstreamBody);
        }
        catch (AnthropicRequestException e)
        {
            // The request checks cannot read every string of every block up front; one the translator cannot read
            // is the client's mistake (a 400 that burns no other tier), never an internal error.
            return AttemptResult.Fail(new UpstreamFailure(new AnthropicError(400, "invalid_request_error", e.Message), FailureKind.BadRequest, Retryable: false, ClientFault: true, RetryAfter: null));
        }

        bool translate = kind == UpstreamRequestKind.AnthropicToOpenAI;

        // A same-protocol chat answer goes to the client's own sink, past the one that would translate it from Anthropic.
        IResponseSink output = kind == UpstreamRequestKind.ChatPassthrough ? request.ClientSink! : sink;
        HttpResponseMessage response;
        try
        {
            response = await engine.Upstream.SendAsync(
                provider.Config,
                provider.Profile,
                upstreamBody.WrittenMemory,
                request.Facts.Stream,
                kind == UpstreamRequestKind.AnthropicPassthrough ? request.ForwardHeaders : Array.Empty<KeyValuePair<string, string>>(),
                clock.Timeouts.Connect,
                clock.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (AttemptIO.IsTransportFailure(e))
        {
            return TransportFailure(e, provider.Config, clock, cancellationToken);
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
                    // An error status is the answer's first byte: its body is bounded by the idle deadline.
                    clock.ArmIdle();
                    using PooledBufferWriter errorBody = await WholeBodyForwarder.ReadBoundedAsync(response, WholeBodyForwarder.MaxErrorBodyBytes, clock.Token).ConfigureAwait(false);
                    return AttemptResult.Fail(UpstreamErrorMapper.FromHttp((int)response.StatusCode, errorBody.WrittenSpan, HeaderMap(response), provider.Config));
                }

                bool eventStream = IsEventStream(response);
                if (!request.Facts.Stream || !eventStream)
                {
                    // A whole body comes when it is ready, so its headers are its first byte; the rest is bounded by the idle deadline.
                    clock.ArmIdle();
                    return await WholeBodyForwarder.ForwardAsync(response, target, translate, request.Facts.Stream, eventStream, output, clock.Token, cancellationToken).ConfigureAwait(false);
                }

                // A stream's headers often come at once, before the model has produced anything: the first-byte deadline
                // runs on until the first event, which the forwarder sees.
                Stream upstream = await response.Content.ReadAsStreamAsync(clock.Token).ConfigureAwait(false);
                await using ConfiguredAsyncDisposable upstreamScope = upstream.ConfigureAwait(false);
                var forwarder = new StreamForwarder(engine.Metrics, target, output, clock, cancellationToken);
                return translate
                    ? await forwarder.TranslateAsync(upstream, new OpenAIToAnthropicStream(target.Key, TokenCounter.Estimate(request.Body.Span), provider.Config)).ConfigureAwait(false)
                    : await forwarder.PassThroughAsync(upstream, request.ClientProtocol == ClientProtocol.OpenAIChat).ConfigureAwait(false);
            }
            catch (Exception e) when (AttemptIO.IsTransportFailure(e))
            {
                return TransportFailure(e, provider.Config, clock, cancellationToken);
            }
        }
    }

    private static AttemptResult TransportFailure(Exception e, ProviderConfig provider, AttemptClock clock, CancellationToken clientToken) =>
        clientToken.IsCancellationRequested ? AttemptResult.ClientGone : AttemptResult.Fail(clock.Failure(e, provider));

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
}
