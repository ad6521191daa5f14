using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// The part of an Anthropic-SSE-to-OpenAI stream translator that does not depend on the output format:
/// splitting pushed bytes into whole events, turning untranslatable upstream data into a failure, and
/// failing a stream that ends before its last event.
/// </summary>
internal abstract class AnthropicSseTranslator
{
    private readonly SseEventSplitter _splitter = new();

    /// <summary>True once the output has ended, with its last event or a failure.</summary>
    public bool IsDone { get; protected set; }

    /// <summary>Translates every whole event in <paramref name="anthropicSseBytes"/> (plus bytes held from earlier pushes).</summary>
    public void Push(ReadOnlySpan<byte> anthropicSseBytes, IBufferWriter<byte> output)
    {
        if (IsDone)
        {
            return;
        }

        try
        {
            while (!IsDone && _splitter.TryReadEvent(ref anthropicSseBytes, out _, out ReadOnlySpan<byte> data))
            {
                Handle(data, output);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            FailUpstream("The upstream stream could not be translated: " + e.Message, output);
        }
    }

    /// <summary>Ends the output: a stream cut before message_stop becomes a failure. Safe to call more than once.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (IsDone)
        {
            return;
        }

        try
        {
            if (_splitter.TryFlush(out _, out ReadOnlySpan<byte> data))
            {
                Handle(data, output);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            FailUpstream("The upstream stream could not be translated: " + e.Message, output);
        }

        if (!IsDone)
        {
            FailUpstream("The upstream stream ended before the answer was complete.", output);
        }
    }

    /// <summary>Translates one whole event's data.</summary>
    protected abstract void Handle(ReadOnlySpan<byte> data, IBufferWriter<byte> output);

    /// <summary>Ends the output with the format's failure for bad or cut upstream data, and sets <see cref="IsDone"/>.</summary>
    protected abstract void FailUpstream(string message, IBufferWriter<byte> output);
}
