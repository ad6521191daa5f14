using Ccr.Core.Buffers;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Protocol.Inbound;
using Ccr.Core.Telemetry;

namespace Ccr.Core.Routing;

/// <summary>
/// Forwards one upstream stream to the client, translated or passed through. Either way the stream is framed by
/// <see cref="UpstreamSseReader"/>, and the client's status line waits until the first event is known to be no error,
/// so a failure up to then can still fall back.
/// </summary>
internal sealed class StreamForwarder
{
    private const int MaxFirstEventBytes = 1024 * 1024;

    private readonly CcrMetrics _metrics;
    private readonly PlannedTarget _target;
    private readonly ProviderConfig _provider;
    private readonly IResponseSink _sink;
    private readonly AttemptClock _clock;
    private readonly CancellationToken _clientToken;

    /// <summary>
    /// A forwarder for one attempt at <paramref name="target"/>, writing to <paramref name="sink"/>. <paramref name="clock"/>
    /// cancels the upstream read: at its first-byte deadline until the first event, then at its idle deadline, re-armed as
    /// data flows. <paramref name="clientToken"/> is cancelled when the client goes away; <paramref name="metrics"/> counts open streams.
    /// </summary>
    public StreamForwarder(CcrMetrics metrics, PlannedTarget target, IResponseSink sink, AttemptClock clock, CancellationToken clientToken)
    {
        _metrics = metrics;
        _target = target;
        _provider = target.Provider!.Config;
        _sink = sink;
        _clock = clock;
        _clientToken = clientToken;
    }

    /// <summary>A forwarder whose upstream read is cancelled by <paramref name="attemptToken"/>, re-armed with <paramref name="idleTimeout"/> as data flows.</summary>
    public StreamForwarder(CcrMetrics metrics, PlannedTarget target, IResponseSink sink, CancellationTokenSource attemptToken, TimeSpan idleTimeout, CancellationToken clientToken)
        : this(metrics, target, sink, new AttemptClock(attemptToken, idleTimeout), clientToken)
    {
    }

    /// <summary>Translates an OpenAI stream to Anthropic events, one client write per burst of events already read.</summary>
    public async Task<AttemptResult> TranslateAsync(Stream upstream, OpenAIToAnthropicStream translator)
    {
        using var output = new PooledBufferWriter(4096);
        using var events = new UpstreamSseReader(upstream);
        bool started = false;
        var idle = new IdleTimer(_clock.Timer, _clock.Timeouts.Idle);
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
                    return started ? await EndWithErrorAsync(translator, e.Failure, output).ConfigureAwait(false) : AttemptResult.Fail(e.Failure);
                }

                if (!started && output.WrittenCount > 0)
                {
                    _clock.ArmIdle();
                    Start();
                    started = true;
                }

                if (events.Completed)
                {
                    break;
                }

                try
                {
                    // Until the first event, bytes that frame nothing (keep-alive comments) do not hold the first-byte deadline off.
                    if (started)
                    {
                        idle.Touch();
                    }

                    ValueTask<bool> fill = events.FillAsync(_clock.Token);

                    // Every event already read went into one buffer, sent in one write; the client gets what is ready
                    // as soon as the proxy would otherwise wait. Under load a burst of queued events becomes one send.
                    if (!fill.IsCompleted && started && output.WrittenCount > 0 && !await AttemptIO.TryWriteAsync(_sink, output, _clientToken).ConfigureAwait(false))
                    {
                        await _clock.CancelAsync().ConfigureAwait(false);
                        await DrainAsync(fill).ConfigureAwait(false);
                        return AttemptResult.ClientGone;
                    }

                    await fill.ConfigureAwait(false);
                }
                catch (Exception e) when (AttemptIO.IsTransportFailure(e))
                {
                    if (_clientToken.IsCancellationRequested)
                    {
                        return AttemptResult.ClientGone;
                    }

                    UpstreamFailure failure = _clock.Failure(e, _provider);
                    return started ? await EndWithErrorAsync(translator, failure, output).ConfigureAwait(false) : AttemptResult.Fail(failure);
                }
            }

            if (!started)
            {
                return AttemptResult.Fail(AttemptIO.InvalidResponse("the upstream closed the stream before sending any event"));
            }

            translator.Complete(output);
            return await AttemptIO.TryWriteAsync(_sink, output, _clientToken).ConfigureAwait(false)
                ? AttemptResult.Success(translator.Summary)
                : AttemptResult.ClientGone;
        }
        finally
        {
            if (started)
            {
                _metrics.StreamEnded();
            }
        }
    }

    /// <summary>
    /// Upstream and client speak the same protocol (Anthropic, or OpenAI chat): the bytes go through untouched.
    /// Only the first event is read ahead, to catch an error that arrives as the first event of a 200 stream.
    /// </summary>
    /// <remarks><paramref name="openAIClient"/>: the client speaks OpenAI chat, so a failure after the start is written in its shape.</remarks>
    public async Task<AttemptResult> PassThroughAsync(Stream upstream, bool openAIClient)
    {
        using var buffer = new PooledBufferWriter(16 * 1024);
        using var usage = new UpstreamUsageScanner();
        using (var events = new UpstreamSseReader(upstream, keepRaw: true))
        {
            while (true)
            {
                UpstreamFailure? firstFailure = CheckFirstEvent(events, _provider, out bool seen);
                if (firstFailure is not null)
                {
                    return AttemptResult.Fail(firstFailure);
                }

                if (seen || events.Completed)
                {
                    break;
                }

                if (events.Raw.Length > MaxFirstEventBytes)
                {
                    return AttemptResult.Fail(AttemptIO.InvalidResponse("the upstream's first stream event is larger than 1 MiB"));
                }

                await events.FillAsync(_clock.Token).ConfigureAwait(false);
            }

            if (events.Raw.IsEmpty)
            {
                return AttemptResult.Fail(AttemptIO.InvalidResponse("the upstream closed the stream before sending any event"));
            }

            // What was read ahead, the first event and whatever came with it, goes on as it came.
            buffer.Write(events.Raw.Span);
            usage.ScanStream(buffer.WrittenSpan);
        }

        _clock.ArmIdle();
        Start();
        var idle = new IdleTimer(_clock.Timer, _clock.Timeouts.Idle);
        try
        {
            if (!await AttemptIO.TryWriteAsync(_sink, buffer, _clientToken).ConfigureAwait(false))
            {
                return AttemptResult.ClientGone;
            }

            while (true)
            {
                int read;
                try
                {
                    idle.Touch();
                    read = await upstream.ReadAsync(buffer.GetMemory(16 * 1024), _clock.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (AttemptIO.IsTransportFailure(e))
                {
                    if (_clientToken.IsCancellationRequested)
                    {
                        return AttemptResult.ClientGone;
                    }

                    UpstreamFailure failure = _clock.Failure(e, _provider);
                    WriteErrorEvent(failure.Error, buffer, openAIClient);
                    await AttemptIO.TryWriteAsync(_sink, buffer, _clientToken).ConfigureAwait(false);
                    return new AttemptResult(AttemptOutcome.FailedAfterStart, failure, usage.Summary);
                }

                if (read == 0)
                {
                    return AttemptResult.Success(usage.Summary);
                }

                buffer.Advance(read);
                usage.ScanStream(buffer.WrittenSpan);
                if (!await AttemptIO.TryWriteAsync(_sink, buffer, _clientToken).ConfigureAwait(false))
                {
                    return AttemptResult.ClientGone;
                }
            }
        }
        finally
        {
            _metrics.StreamEnded();
        }
    }

    /// <summary>Takes the first event with data, if one is framed yet, and says whether it is an error object.</summary>
    private static UpstreamFailure? CheckFirstEvent(UpstreamSseReader events, ProviderConfig provider, out bool seen)
    {
        seen = events.TryRead(out ReadOnlySpan<byte> data);
        return seen && UpstreamErrorMapper.TryDetectErrorInSuccess(data.Trim(" \t"u8), provider, out UpstreamFailure failure) ? failure : null;
    }

    /// <summary>Waits out a read that was started before the client left; its result no longer matters.</summary>
    private static async ValueTask DrainAsync(ValueTask<bool> pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e) when (AttemptIO.IsTransportFailure(e) || e is UpstreamProtocolException)
        {
        }
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

    private void Start()
    {
        AttemptIO.SetRouteHeaders(_sink, _target);
        _sink.StartStream(200, "text/event-stream");
        _metrics.StreamStarted();
    }

    private async Task<AttemptResult> EndWithErrorAsync(OpenAIToAnthropicStream translator, UpstreamFailure failure, PooledBufferWriter output)
    {
        translator.Fail(failure.Error, output);
        await AttemptIO.TryWriteAsync(_sink, output, _clientToken).ConfigureAwait(false);
        return new AttemptResult(AttemptOutcome.FailedAfterStart, failure, translator.Summary);
    }
}
