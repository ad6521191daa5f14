using System.Runtime.CompilerServices;
using Ccr.Core.Buffers;
using Ccr.Core.Config;
using Ccr.Core.Protocol;

namespace Ccr.Core.Routing;

/// <summary>
/// Handles an upstream answer that is one body rather than a stream: reads it within bounds, refuses an error
/// object inside a 200, translates it when the client speaks another protocol, and writes it whole.
/// </summary>
internal static class WholeBodyForwarder
{
    /// <summary>An error body is read only for its message; what is beyond this is dropped.</summary>
    public const int MaxErrorBodyBytes = 64 * 1024;

    private const int MaxUpstreamBodyBytes = 256 * 1024 * 1024;

    /// <summary>Reads a success body and forwards it; <paramref name="requestedStream"/> or <paramref name="eventStream"/> means it is not what was asked for.</summary>
    public static async Task<AttemptResult> ForwardAsync(
        HttpResponseMessage response,
        PlannedTarget target,
        bool translate,
        bool requestedStream,
        bool eventStream,
        IResponseSink sink,
        CancellationToken attemptToken,
        CancellationToken clientToken)
    {
        ProviderConfig provider = target.Provider!.Config;
        using PooledBufferWriter body = await ReadBoundedAsync(response, MaxUpstreamBodyBytes, attemptToken).ConfigureAwait(false);
        if (requestedStream || eventStream)
        {
            // The upstream ignored our stream flag (or streamed unasked): usually an error object in a 200.
            return AttemptResult.Fail(UpstreamErrorMapper.TryDetectErrorInSuccess(body.WrittenSpan, provider, out UpstreamFailure inBody)
                ? inBody
                : AttemptIO.InvalidResponse(requestedStream ? "the upstream answered a streaming request with a plain body" : "the upstream answered with a stream that was not asked for"));
        }

        using var translated = new PooledBufferWriter(translate ? body.WrittenCount + 512 : 16);
        UpstreamFailure? failure = Prepare(body.WrittenMemory, target.Key, provider, translate, translated, out ReadOnlyMemory<byte> answer, out ResponseSummary? summary);
        if (failure is not null)
        {
            return AttemptResult.Fail(failure);
        }

        AttemptIO.SetRouteHeaders(sink, target);
        try
        {
            await sink.WriteCompleteAsync(200, "application/json", answer, clientToken).ConfigureAwait(false);
        }
        catch (Exception e) when (AttemptIO.IsClientFailure(e))
        {
            return AttemptResult.ClientGone;
        }

        // An answer that went through untouched still says what it used.
        return AttemptResult.Success(summary ?? UpstreamUsageScanner.ReadBody(body.WrittenSpan));
    }

    /// <summary>
    /// Decides what a 200 body means: the failure it really is (an error object, or a body that is no completion),
    /// or the answer for the client, as it came or translated into <paramref name="translated"/>.
    /// </summary>
    public static UpstreamFailure? Prepare(
        ReadOnlyMemory<byte> body,
        string reportedModel,
        ProviderConfig provider,
        bool translate,
        PooledBufferWriter translated,
        out ReadOnlyMemory<byte> answer,
        out ResponseSummary? summary)
    {
        answer = default;
        summary = null;
        if (!translate)
        {
            if (UpstreamErrorMapper.TryDetectErrorInSuccess(body.Span, provider, out UpstreamFailure inBody))
            {
                return inBody;
            }

            answer = body;
            return null;
        }

        try
        {
            summary = OpenAIToAnthropicResponse.Write(body.Span, reportedModel, translated, provider);
        }
        catch (UpstreamProtocolException e)
        {
            return e.Failure;
        }

        answer = translated.WrittenMemory;
        return null;
    }

    /// <summary>Reads a body up to <paramref name="limit"/>: an error body is cut there, a success body past it is refused.</summary>
    public static async Task<PooledBufferWriter> ReadBoundedAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
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
}
