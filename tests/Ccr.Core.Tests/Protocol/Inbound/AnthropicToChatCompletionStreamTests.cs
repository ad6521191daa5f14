using System.Buffers;
using System.Text;
using Ccr.Core.Protocol.Inbound;
using static Ccr.Core.Tests.Protocol.Inbound.InboundTestKit;

namespace Ccr.Core.Tests.Protocol.Inbound;

public class AnthropicToChatCompletionStreamTests
{
    internal static readonly string ToolStream = Sse(
        """{"type":"message_start","message":{"id":"msg_01abc","type":"message","role":"assistant","model":"m-up","content":[],"stop_reason":null,"usage":{"input_tokens":12,"output_tokens":1,"cache_read_input_tokens":4}}}""",
        """{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}""",
        """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}}""",
        """{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig"}}""",
        """{"type":"content_block_stop","index":0}""",
        """{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}""",
        """{"type":"ping"}""",
        """{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hé \"quoted\" 👍"}}""",
        """{"type":"content_block_stop","index":1}""",
        """{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}""",
        """{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}""",
        """{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}""",
        """{"type":"content_block_stop","index":2}""",
        """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":42}}""",
        """{"type":"message_stop"}""");

    private static string Chunk(string delta, string finish = "null") =>
        "data: {\"id\":\"chatcmpl-01abc\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-up\",\"choices\":[{\"index\":0,\"delta\":"
        + delta + ",\"logprobs\":null,\"finish_reason\":" + finish + "}]}\n\n";

    private static readonly string s_expectedToolStream =
        Chunk("{\"role\":\"assistant\",\"content\":\"\"}")
        + Chunk("{\"reasoning_content\":\"Let me think\"}")
        + Chunk("{\"content\":\"Hé \\\"quoted\\\" 👍\"}")
        + Chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}")
        + Chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}")
        + Chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}")
        + Chunk("{}", "\"tool_calls\"")
        + "data: {\"id\":\"chatcmpl-01abc\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-up\",\"choices\":[],"
        + "\"usage\":{\"prompt_tokens\":16,\"completion_tokens\":42,\"total_tokens\":58,\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n\n"
        + "data: [DONE]\n\n";

    private static string Translate(string sse, bool includeUsage = true, Func<byte[], IEnumerable<(int Start, int Length)>>? split = null)
    {
        var translator = new AnthropicToChatCompletionStream(new ChatRequestInfo("asked", true, includeUsage), Time());
        var output = new ArrayBufferWriter<byte>();
        byte[] bytes = Utf8(sse);
        foreach ((int start, int length) in split?.Invoke(bytes) ?? [(0, bytes.Length)])
        {
            translator.Push(bytes.AsSpan(start, length), output);
        }

        translator.Complete(output);
        translator.Complete(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void ToolStream_TranslatesToGoldenChunks()
    {
        string chat = Translate(ToolStream);
        Assert.Equal(s_expectedToolStream, chat);
        foreach (string data in DataLines(chat))
        {
            if (data != "[DONE]")
            {
                Assert.Equal("chat.completion.chunk", OpenAIWire.Read<ChatChunk>(data).Object);
            }
        }
    }

    [Fact]
    public void WithoutIncludeUsage_NoUsageChunk()
    {
        string chat = Translate(ToolStream, includeUsage: false);
        Assert.DoesNotContain("\"usage\"", chat, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", chat, StringComparison.Ordinal);
    }

    [Fact]
    public void EverySplitPoint_GivesIdenticalOutput()
    {
        byte[] bytes = Utf8(ToolStream);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            int at = cut;
            Assert.Equal(s_expectedToolStream, Translate(ToolStream, split: b => [(0, at), (at, b.Length - at)]));
        }

        Assert.Equal(s_expectedToolStream, Translate(ToolStream, split: b => Enumerable.Range(0, b.Length).Select(i => (i, 1))));
    }

    [Fact]
    public void CrLfLineEndings_AreAccepted()
    {
        Assert.Equal(s_expectedToolStream, Translate(ToolStream.Replace("\n", "\r\n", StringComparison.Ordinal)));
    }

    [Fact]
    public void ErrorEvent_EndsWithOpenAIErrorAndNoDone()
    {
        string sse = Sse(
            """{"type":"message_start","message":{"id":"msg_01abc","model":"m-up","usage":{"input_tokens":1}}}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}""",
            """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ignored"}}""");
        string chat = Translate(sse);

        Assert.Equal(
            Chunk("{\"role\":\"assistant\",\"content\":\"\"}") + Chunk("{\"content\":\"Hi\"}")
            + "data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":\"overloaded\"}}\n\n",
            chat);
        OpenAIWire.Read<OpenAIErrorEnvelope>(DataLines(chat)[^1]);
    }

    [Fact]
    public void CutStream_EndsWithErrorOnComplete()
    {
        string sse = Sse(
            """{"type":"message_start","message":{"id":"msg_01abc","model":"m-up","usage":{"input_tokens":1}}}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
        string chat = Translate(sse);
        OpenAIErrorEnvelope error = OpenAIWire.Read<OpenAIErrorEnvelope>(DataLines(chat)[^1]);
        Assert.Equal("server_error", error.Error.Type);
        Assert.Contains("ended before the answer was complete", error.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", chat, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("max_tokens", "length")]
    [InlineData("end_turn", "stop")]
    public void FinishReason_FollowsStopReason(string stopReason, string finishReason)
    {
        string sse = Sse(
            """{"type":"message_start","message":{"id":"msg_01abc","model":"m-up","usage":{"input_tokens":1}}}""",
            "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason + "\"},\"usage\":{\"output_tokens\":3}}",
            """{"type":"message_stop"}""");
        List<string> lines = DataLines(Translate(sse, includeUsage: false));
        Assert.Equal(finishReason, OpenAIWire.Read<ChatChunk>(lines[^2]).Choices[0].FinishReason);
    }

    [Fact]
    public void MessageStopWithoutStopReason_StillSendsFinishReason()
    {
        string sse = Sse(
            """{"type":"message_start","message":{"id":"msg_01abc","model":"m-up","usage":{"input_tokens":1}}}""",
            """{"type":"message_stop"}""");
        Assert.Equal(
            Chunk("{\"role\":\"assistant\",\"content\":\"\"}") + Chunk("{}", "\"stop\"") + "data: [DONE]\n\n",
            Translate(sse, includeUsage: false));
    }

    [Fact]
    public void MalformedEventData_EndsWithError()
    {
        string chat = Translate("event: message_start\ndata: {not json\n\n");
        Assert.Equal("server_error", OpenAIWire.Read<OpenAIErrorEnvelope>(DataLines(chat)[^1]).Error.Type);
    }
}
