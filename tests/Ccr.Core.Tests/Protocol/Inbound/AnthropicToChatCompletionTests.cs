using System.Buffers;
using System.Text;
using System.Text.Json;
using Ccr.Core.Protocol.Inbound;
using static Ccr.Core.Tests.Protocol.Inbound.InboundTestKit;

namespace Ccr.Core.Tests.Protocol.Inbound;

public class AnthropicToChatCompletionTests
{
    private static string Translate(string anthropic) =>
        Run(o => AnthropicToChatCompletion.Write(Utf8(anthropic), o, Time()));

    [Fact]
    public void TextAnswer_BecomesChatCompletion()
    {
        string chat = Translate("""
            {"id":"msg_01XY","type":"message","role":"assistant","model":"qwen,qwen3-coder-plus",
             "content":[{"type":"text","text":"Hello "},{"type":"text","text":"there"}],
             "stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":3,"cache_creation_input_tokens":2}}
            """);

        JsonEqual("""
            {"id":"chatcmpl-01XY","object":"chat.completion","created":1700000000,"model":"qwen,qwen3-coder-plus",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there","refusal":null},"logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":15,"completion_tokens":5,"total_tokens":20,"prompt_tokens_details":{"cached_tokens":3}}}
            """, chat);
        ChatCompletion typed = OpenAIWire.Read<ChatCompletion>(chat);
        Assert.Equal("chat.completion", typed.Object);
    }

    [Fact]
    public void ToolUseAndThinking_BecomeToolCallsAndReasoningContent()
    {
        string chat = Translate("""
            {"id":"msg_2","type":"message","role":"assistant","model":"m",
             "content":[{"type":"thinking","thinking":"Need weather.","signature":"s"},
                        {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city": "Paris", "days": [1, 2]}}],
             "stop_reason":"tool_use","usage":{"input_tokens":7,"output_tokens":9}}
            """);

        JsonEqual("""
            {"id":"chatcmpl-2","object":"chat.completion","created":1700000000,"model":"m",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"reasoning_content":"Need weather.",
               "tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"days\":[1,2]}"}}],
               "refusal":null},"logprobs":null,"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":7,"completion_tokens":9,"total_tokens":16,"prompt_tokens_details":{"cached_tokens":0}}}
            """, chat);
        OpenAIWire.Read<ChatCompletion>(chat);
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("refusal", "content_filter")]
    public void StopReasons_MapToFinishReasons(string stopReason, string finishReason)
    {
        string chat = Translate("{\"id\":\"msg_1\",\"model\":\"m\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}],\"stop_reason\":\"" + stopReason + "\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}");
        Assert.Equal(finishReason, OpenAIWire.Read<ChatCompletion>(chat).Choices[0].FinishReason);
    }

    [Fact]
    public void NotAMessage_Throws()
    {
        Assert.ThrowsAny<JsonException>(() => AnthropicToChatCompletion.Write(Utf8("""{"type":"error"}"""), new ArrayBufferWriter<byte>()));
    }

    [Fact]
    public void ToolCalls_RoundTripThroughAnthropic()
    {
        // A client's tool call goes to Anthropic as tool_use, and the same tool_use coming back is the same call.
        const string arguments = "{\"city\":\"Paris\",\"units\":\"metric\"}";
        var anthropicRequest = new ArrayBufferWriter<byte>();
        ChatCompletionsRequestTranslator.ToAnthropic(Utf8("""
            {"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[
              {"id":"call_9","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"units\":\"metric\"}"}}]}]}
            """), anthropicRequest);
        using JsonDocument request = JsonDocument.Parse(anthropicRequest.WrittenMemory);
        JsonElement toolUse = request.RootElement.GetProperty("messages")[1].GetProperty("content")[0];

        string answer = "{\"id\":\"msg_1\",\"model\":\"m\",\"content\":[" + toolUse.GetRawText() + "],\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}";
        ChatToolCall call = Assert.Single(OpenAIWire.Read<ChatCompletion>(Translate(answer)).Choices[0].Message.ToolCalls!);

        Assert.Equal(new ChatToolCall("call_9", "function", new ChatFunctionCall("get_weather", arguments)), call);
        Assert.Equal(Encoding.UTF8.GetString(Utf8(arguments)), call.Function.Arguments);
    }
}
