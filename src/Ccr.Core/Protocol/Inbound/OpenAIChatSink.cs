using System.Buffers;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// Sink for <c>POST /v1/chat/completions</c>: chat.completion bodies, chat.completion.chunk streams and
/// OpenAI-shaped errors. Usage: translate the body with <see cref="ChatCompletionsRequestTranslator"/>,
/// wrap the endpoint's sink in this, call RouteAsync with it, then <see cref="TranslatingSink.CompleteAsync"/>.
/// </summary>
internal sealed class OpenAIChatSink : TranslatingSink
{
    private readonly AnthropicToChatCompletionStream _stream;
    private readonly TimeProvider _time;

    public OpenAIChatSink(IResponseSink inner, ChatRequestInfo request, TimeProvider? time = null)
        : base(inner)
    {
        _time = time ?? TimeProvider.System;
        _stream = new AnthropicToChatCompletionStream(request, _time);
    }

    protected override void TranslateWhole(ReadOnlySpan<byte> anthropicMessage, IBufferWriter<byte> output) =>
        AnthropicToChatCompletion.Write(anthropicMessage, output, _time);

    protected override void Push(ReadOnlySpan<byte> anthropicSse, IBufferWriter<byte> output) => _stream.Push(anthropicSse, output);

    protected override void Complete(IBufferWriter<byte> output) => _stream.Complete(output);
}
