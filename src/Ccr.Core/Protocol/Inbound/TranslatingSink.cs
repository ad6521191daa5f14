using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// An <see cref="IResponseSink"/> that sits between the router (which writes Anthropic answers) and the
/// real sink of an OpenAI-format endpoint, translating each write on its way through.
/// </summary>
/// <remarks>
/// The endpoint must call <see cref="CompleteAsync"/> after <c>RouteAsync</c> returns: a stream's
/// ending ([DONE], response.completed, or the error for a cut stream) is written there, because the
/// router never tells a sink that a stream is over. It does nothing when no stream was started.
/// </remarks>
internal abstract class TranslatingSink : IResponseSink
{
    private readonly IResponseSink _inner;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private bool _streaming;
    private bool _completed;

    protected TranslatingSink(IResponseSink inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    public bool HasStarted => _inner.HasStarted;

    public void SetHeader(string name, string value) => _inner.SetHeader(name, value);

    public void StartStream(int status, string contentType)
    {
        _streaming = true;
        _inner.StartStream(status, "text/event-stream");
    }

    public async ValueTask WriteCompleteAsync(int status, string contentType, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        if (status == 200 && contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            // A whole stream in one write is still a stream to the client.
            StartStream(status, contentType);
            await WriteAndFlushAsync(body, cancellationToken).ConfigureAwait(false);
            await CompleteAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        _buffer.ResetWrittenCount();
        int outStatus = status;
        if (status is >= 200 and < 300)
        {
            try
            {
                TranslateWhole(body.Span, _buffer);
            }
            catch (JsonException e)
            {
                _buffer.ResetWrittenCount();
                outStatus = 502;
                OpenAIErrorWriter.Write(new AnthropicError(502, "api_error", "The upstream answer could not be translated to the OpenAI format: " + e.Message), _buffer);
            }
        }
        else
        {
            OpenAIErrorWriter.Write(OpenAIErrorWriter.ReadAnthropicError(status, body.Span), _buffer);
        }

        await _inner.WriteCompleteAsync(outStatus, "application/json", _buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    public async ValueTask WriteAndFlushAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (!_streaming || _completed)
        {
            return;
        }

        _buffer.ResetWrittenCount();
        Push(data.Span, _buffer);
        await FlushBufferAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the end of a started stream; safe to call more than once, and a no-op when nothing was streamed.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (!_streaming || _completed)
        {
            return;
        }

        _completed = true;
        _buffer.ResetWrittenCount();
        Complete(_buffer);
        await FlushBufferAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Translates a whole Anthropic message.</summary>
    protected abstract void TranslateWhole(ReadOnlySpan<byte> anthropicMessage, IBufferWriter<byte> output);

    /// <summary>Translates pushed Anthropic SSE bytes.</summary>
    protected abstract void Push(ReadOnlySpan<byte> anthropicSse, IBufferWriter<byte> output);

    /// <summary>Ends the translated stream.</summary>
    protected abstract void Complete(IBufferWriter<byte> output);

    private async ValueTask FlushBufferAsync(CancellationToken cancellationToken)
    {
        if (_buffer.WrittenCount > 0)
        {
            await _inner.WriteAndFlushAsync(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            _buffer.ResetWrittenCount();
        }
    }
}
