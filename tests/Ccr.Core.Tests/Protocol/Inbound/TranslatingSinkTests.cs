using System.Text;
using Ccr.Core.Protocol.Inbound;
using Ccr.Core.Routing;
using Ccr.Core.Tests.Routing;
using static Ccr.Core.Tests.Protocol.Inbound.InboundTestKit;

namespace Ccr.Core.Tests.Protocol.Inbound;

public class TranslatingSinkTests
{
    private const string AnthropicAnswer = """
        {"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","usage":{"input_tokens":2,"output_tokens":1}}
        """;

    [Fact]
    public async Task ChatSink_TranslatesWholeAnswerAndPassesHeaders()
    {
        var inner = new RecordingSink();
        var sink = new OpenAIChatSink(inner, new ChatRequestInfo("m", false, false), Time());
        sink.SetHeader("x-ccr-route", "qwen,m");
        await sink.WriteCompleteAsync(200, "application/json", Utf8(AnthropicAnswer), CancellationToken.None);
        await sink.CompleteAsync(CancellationToken.None);

        Assert.Equal((200, "application/json"), (inner.Status, inner.ContentType));
        Assert.Equal("qwen,m", inner.Headers["x-ccr-route"]);
        Assert.Equal("Hi", OpenAIWire.Read<ChatCompletion>(inner.Body).Choices[0].Message.Content);
        Assert.True(sink.HasStarted);
    }

    [Fact]
    public async Task ChatSink_TranslatesRouterErrorKeepingStatus()
    {
        var inner = new RecordingSink();
        var sink = new OpenAIChatSink(inner, new ChatRequestInfo("m", false, false), Time());
        await sink.WriteCompleteAsync(429, "application/json", Utf8("""{"type":"error","error":{"type":"rate_limit_error","message":"Try later"},"request_id":"r"}"""), CancellationToken.None);

        Assert.Equal(429, inner.Status);
        Assert.Equal(new OpenAIError("Try later", "rate_limit_error", null, "rate_limit_exceeded"), OpenAIWire.Read<OpenAIErrorEnvelope>(inner.Body).Error);
    }

    [Fact]
    public async Task ChatSink_UntranslatableAnswer_Becomes502()
    {
        var inner = new RecordingSink();
        var sink = new OpenAIChatSink(inner, new ChatRequestInfo("m", false, false), Time());
        await sink.WriteCompleteAsync(200, "application/json", Utf8("{\"odd\":true}"), CancellationToken.None);

        Assert.Equal(502, inner.Status);
        Assert.Equal("server_error", OpenAIWire.Read<OpenAIErrorEnvelope>(inner.Body).Error.Type);
    }

    [Fact]
    public async Task ChatSink_StreamsPushedBytesAndEndsOnComplete()
    {
        var inner = new RecordingSink();
        var sink = new OpenAIChatSink(inner, new ChatRequestInfo("asked", true, true), Time());
        sink.StartStream(200, "text/event-stream");
        byte[] bytes = Utf8(AnthropicToChatCompletionStreamTests.ToolStream);
        for (int i = 0; i < bytes.Length; i += 100)
        {
            await sink.WriteAndFlushAsync(bytes.AsMemory(i, Math.Min(100, bytes.Length - i)), CancellationToken.None);
        }

        await sink.CompleteAsync(CancellationToken.None);
        await sink.CompleteAsync(CancellationToken.None);

        Assert.Equal((200, "text/event-stream"), (inner.Status, inner.ContentType));
        Assert.DoesNotContain(inner.Flushes, f => f.Length == 0);
        Assert.Equal(TranslateDirectly(bytes), inner.Body);
        Assert.EndsWith("data: [DONE]\n\n", inner.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatSink_CutStream_EndsWithErrorLineOnComplete()
    {
        var inner = new RecordingSink();
        var sink = new OpenAIChatSink(inner, new ChatRequestInfo("asked", true, false), Time());
        sink.StartStream(200, "text/event-stream");
        await sink.WriteAndFlushAsync(Utf8(Sse("""{"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":1}}}""")), CancellationToken.None);
        await sink.CompleteAsync(CancellationToken.None);

        Assert.Equal("server_error", OpenAIWire.Read<OpenAIErrorEnvelope>(DataLines(inner.Body)[^1]).Error.Type);
    }

    [Fact]
    public async Task ResponsesSink_TranslatesAnswerErrorAndStream()
    {
        var whole = new RecordingSink();
        await new ResponsesSink(whole, new ResponsesRequestInfo("m", false, []), Time())
            .WriteCompleteAsync(200, "application/json", Utf8(AnthropicAnswer), CancellationToken.None);
        Assert.Equal("Hi", OpenAIWire.Read<ResponseObject>(whole.Body).Output[0].Content![0].Text);

        var error = new RecordingSink();
        await new ResponsesSink(error, new ResponsesRequestInfo("m", false, []), Time())
            .WriteCompleteAsync(401, "application/json", Utf8("""{"type":"error","error":{"type":"authentication_error","message":"bad key"}}"""), CancellationToken.None);
        Assert.Equal((401, "authentication_error"), (error.Status, OpenAIWire.Read<OpenAIErrorEnvelope>(error.Body).Error.Type));

        var streamed = new RecordingSink();
        var sink = new ResponsesSink(streamed, new ResponsesRequestInfo("m", true, []), Time());
        sink.StartStream(200, "text/event-stream");
        await sink.WriteAndFlushAsync(Utf8(AnthropicToChatCompletionStreamTests.ToolStream), CancellationToken.None);
        await sink.CompleteAsync(CancellationToken.None);
        Assert.StartsWith("event: response.created\n", streamed.Body, StringComparison.Ordinal);
        Assert.Contains("event: response.completed\n", streamed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("response.failed", streamed.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResponsesSink_CutStream_EndsWithResponseFailed()
    {
        var inner = new RecordingSink();
        var sink = new ResponsesSink(inner, new ResponsesRequestInfo("m", true, []), Time());
        sink.StartStream(200, "text/event-stream");
        await sink.WriteAndFlushAsync(Utf8(Sse("""{"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":1}}}""")), CancellationToken.None);
        await sink.CompleteAsync(CancellationToken.None);

        Assert.Contains("event: response.failed\n", inner.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteAsync_WithoutStream_WritesNothing()
    {
        var inner = new RecordingSink();
        await new OpenAIChatSink(inner, new ChatRequestInfo("m", true, false), Time()).CompleteAsync(CancellationToken.None);
        Assert.False(inner.HasStarted);
        Assert.Empty(inner.Body);
    }

    private static string TranslateDirectly(byte[] bytes)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var translator = new AnthropicToChatCompletionStream(new ChatRequestInfo("asked", true, true), Time());
        translator.Push(bytes, output);
        translator.Complete(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
