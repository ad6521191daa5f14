using System.Buffers;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// Sink for <c>POST /v1/responses</c>: response objects, the Responses event stream and OpenAI-shaped
/// errors. Usage as for <see cref="OpenAIChatSink"/>, with <see cref="ResponsesRequestTranslator"/>.
/// </summary>
internal sealed class ResponsesSink : TranslatingSink
{
    private readonly AnthropicToResponseStream _stream;
    private readonly TimeProvider _time;

    public ResponsesSink(IResponseSink inner, ResponsesRequestInfo request, TimeProvider? time = null)
        : base(inner)
    {
        _time = time ?? TimeProvider.System;
        _stream = new AnthropicToResponseStream(request, _time);
    }

    protected override void TranslateWhole(ReadOnlySpan<byte> anthropicMessage, IBufferWriter<byte> output) =>
        AnthropicToResponse.Write(anthropicMessage, output, _time);

    protected override void Push(ReadOnlySpan<byte> anthropicSse, IBufferWriter<byte> output) => _stream.Push(anthropicSse, output);

    protected override void Complete(IBufferWriter<byte> output) => _stream.Complete(output);
}
