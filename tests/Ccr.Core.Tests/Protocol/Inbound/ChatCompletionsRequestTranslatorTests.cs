using System.Buffers;
using System.Text;
using Ccr.Core.Protocol.Inbound;
using static Ccr.Core.Tests.Protocol.Inbound.InboundTestKit;

namespace Ccr.Core.Tests.Protocol.Inbound;

public class ChatCompletionsRequestTranslatorTests
{
    private static (ChatRequestInfo Info, string Anthropic) Translate(string chat)
    {
        var output = new ArrayBufferWriter<byte>();
        ChatRequestInfo info = ChatCompletionsRequestTranslator.ToAnthropic(Utf8(chat), output);
        return (info, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    private static InboundRequestException Refused(string chat) =>
        Assert.Throws<InboundRequestException>(() => ChatCompletionsRequestTranslator.ToAnthropic(Utf8(chat), new ArrayBufferWriter<byte>()));

    [Fact]
    public void SimpleChat_BecomesMessagesWithDefaultMaxTokensAndSystem()
    {
        (ChatRequestInfo info, string anthropic) = Translate("""
            {"model":"qwen,qwen3-coder-plus","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"developer","content":[{"type":"text","text":"Use English."}]},
              {"role":"user","content":"Hi"}]}
            """);

        Assert.Equal(new ChatRequestInfo("qwen,qwen3-coder-plus", false, false), info);
        JsonEqual("""
            {"model":"qwen,qwen3-coder-plus","max_tokens":4096,"system":"Be brief.\n\nUse English.",
             "messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]}
            """, anthropic);
    }

    [Fact]
    public void SamplingFields_AreMappedToAnthropicNames()
    {
        (ChatRequestInfo info, string anthropic) = Translate("""
            {"model":"m","messages":[{"role":"user","content":"Hi"}],"max_completion_tokens":300,"max_tokens":99,
             "temperature":0.2,"top_p":0.9,"stop":"END","stream":true,"stream_options":{"include_usage":true},"user":"u-1"}
            """);

        Assert.True(info.Stream);
        Assert.True(info.IncludeUsage);
        JsonEqual("""
            {"model":"m","max_tokens":300,"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],
             "temperature":0.2,"top_p":0.9,"stop_sequences":["END"],"stream":true,"metadata":{"user_id":"u-1"}}
            """, anthropic);
    }

    [Fact]
    public void StopArray_AndMaxTokens_AreKept()
    {
        (_, string anthropic) = Translate("""{"model":"m","max_tokens":50,"stop":["a","","b"],"messages":[{"role":"user","content":"Hi"}]}""");
        JsonEqual("""{"model":"m","max_tokens":50,"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],"stop_sequences":["a","b"]}""", anthropic);
    }

    [Theory]
    [InlineData("low", null, 5120, 1024)]
    [InlineData("medium", null, 8192, 4096)]
    [InlineData("high", null, 20480, 16384)]
    [InlineData("high", 8000, 8000, 7999)]
    public void ReasoningEffort_BecomesThinkingBudgetThatFitsMaxTokens(string effort, int? maxTokens, int expectedMax, int expectedBudget)
    {
        string limit = maxTokens is null ? "" : "\"max_tokens\":" + maxTokens + ",";
        (_, string anthropic) = Translate("{" + limit + "\"model\":\"m\",\"reasoning_effort\":\"" + effort + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        JsonEqual("{\"model\":\"m\",\"max_tokens\":" + expectedMax + ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":" + expectedBudget
            + "},\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}]}]}", anthropic);
    }

    [Fact]
    public void ReasoningEffort_WithTooSmallLimit_DropsThinking()
    {
        (_, string anthropic) = Translate("""{"model":"m","max_tokens":500,"reasoning_effort":"low","messages":[{"role":"user","content":"Hi"}]}""");
        Assert.DoesNotContain("thinking", anthropic, StringComparison.Ordinal);
    }

    [Fact]
    public void UserParts_TextAndImages_BecomeBlocks()
    {
        (_, string anthropic) = Translate("""
            {"model":"m","messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},
              {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}
            """);

        JsonEqual("""
            {"model":"m","max_tokens":4096,"messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
              {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}]}
            """, anthropic);
    }

    [Fact]
    public void ToolConversation_MapsCallsAndMergesToolResults()
    {
        (_, string anthropic) = Translate("""
            {"model":"m","messages":[
              {"role":"user","content":"Weather in Paris and Rome?"},
              {"role":"assistant","content":"Checking.","reasoning_content":"Two calls.","tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"not json"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18C"},
              {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"21C"}]},
              {"role":"user","content":"Thanks"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather by city","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                      {"type":"function","function":{"name":"now"}}],
             "tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":false}
            """);

        JsonEqual("""
            {"model":"m","max_tokens":4096,"messages":[
              {"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},
              {"role":"assistant","content":[
                {"type":"thinking","thinking":"Two calls."},
                {"type":"text","text":"Checking."},
                {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
                {"type":"tool_use","id":"call_2","name":"get_weather","input":{"_ccr_unparsed_arguments":"not json"}}]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"call_1","content":"18C"},
                {"type":"tool_result","tool_use_id":"call_2","content":"21C"},
                {"type":"text","text":"Thanks"}]}],
             "tools":[{"name":"get_weather","description":"Weather by city","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
                      {"name":"now","input_schema":{"type":"object"}}],
             "tool_choice":{"type":"tool","name":"get_weather","disable_parallel_tool_use":true}}
            """, anthropic);
    }

    [Theory]
    [InlineData("\"auto\"", "{\"type\":\"auto\"}")]
    [InlineData("\"none\"", "{\"type\":\"none\"}")]
    [InlineData("\"required\"", "{\"type\":\"any\"}")]
    public void ToolChoiceStrings_MapToAnthropicTypes(string choice, string expected)
    {
        (_, string anthropic) = Translate("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"t\"}}],\"tool_choice\":" + choice + "}");
        JsonEqual("{\"model\":\"m\",\"max_tokens\":4096,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}],\"tools\":[{\"name\":\"t\",\"input_schema\":{\"type\":\"object\"}}],\"tool_choice\":" + expected + "}", anthropic);
    }

    [Fact]
    public void ConsecutiveUserMessages_MergeAndEmptyAssistantIsDropped()
    {
        (_, string anthropic) = Translate("""
            {"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":null},{"role":"user","content":"b"}]}
            """);
        JsonEqual("""{"model":"m","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}""", anthropic);
    }

    [Theory]
    [InlineData("not json", null, "not valid JSON")]
    [InlineData("[]", null, "JSON object")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "model", "'model' is required")]
    [InlineData("{\"model\":\"m\",\"messages\":[]}", "messages", "non-empty array")]
    [InlineData("{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "n", "'n' must be 1")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}", "messages[0].content[0].type", "'input_audio' is not supported")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "messages[0].tool_call_id", "tool_call_id")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}", "messages[0].role", "send role 'tool'")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"ftp://x\"}}]}]}", "messages[0].content[0].image_url.url", "http(s) URL")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"custom\",\"custom\":{}}]}", "tools[0].type", "only function tools")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}", "max_tokens", "positive whole number")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"reasoning_effort\":\"max\"}", "reasoning_effort", "one of none")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"only system\"}]}", "messages", "at least one user message")]
    public void InvalidRequests_AreRefusedWithWhereAndHow(string body, string? param, string messagePart)
    {
        InboundRequestException e = Refused(body);
        Assert.Equal(400, e.Status);
        Assert.Equal("invalid_request_error", e.ErrorType);
        Assert.Equal(param, e.Param);
        Assert.Contains(messagePart, e.Message, StringComparison.Ordinal);
    }
}

public class InboundLoneSurrogateTests
{
    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"\ud800"}]}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"\ud800","content":"hi"}]}""")]
    public void ChatBodyWithALoneSurrogate_IsA400NotACrash(string body)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();

        var e = Assert.Throws<Ccr.Core.Protocol.Inbound.InboundRequestException>(() =>
            Ccr.Core.Protocol.Inbound.ChatCompletionsRequestTranslator.ToAnthropic(System.Text.Encoding.UTF8.GetBytes(body), output));

        Assert.Equal(400, e.Status);
    }

    [Fact]
    public void ResponsesBodyWithALoneSurrogate_IsA400NotACrash()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();

        var e = Assert.Throws<Ccr.Core.Protocol.Inbound.InboundRequestException>(() =>
            Ccr.Core.Protocol.Inbound.ResponsesRequestTranslator.ToAnthropic(System.Text.Encoding.UTF8.GetBytes("""{"model":"m","input":[{"role":"user","content":[{"type":"input_text","text":"\udc00"}]}]}"""), output));

        Assert.Equal(400, e.Status);
    }
}
