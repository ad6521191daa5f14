using System.Buffers;
using System.Text;
using Ccr.Core.Protocol.Inbound;
using static Ccr.Core.Tests.Protocol.Inbound.InboundTestKit;

namespace Ccr.Core.Tests.Protocol.Inbound;

public class ResponsesRequestTranslatorTests
{
    private static (ResponsesRequestInfo Info, string Anthropic) Translate(string body)
    {
        var output = new ArrayBufferWriter<byte>();
        ResponsesRequestInfo info = ResponsesRequestTranslator.ToAnthropic(Utf8(body), output);
        return (info, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void StringInput_WithInstructions_BecomesOneUserTurn()
    {
        (ResponsesRequestInfo info, string anthropic) = Translate("""
            {"model":"m","instructions":"Be brief.","input":"Hi","max_output_tokens":100,"temperature":0.5,"top_p":1,"stream":true,"reasoning":{"effort":"low"}}
            """);

        Assert.Equal("m", info.Model);
        Assert.True(info.Stream);
        Assert.Empty(info.DroppedTools);
        JsonEqual("""
            {"model":"m","max_tokens":100,"system":"Be brief.","messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],
             "temperature":0.5,"top_p":1,"stream":true}
            """, anthropic);
    }

    [Fact]
    public void ItemList_MapsMessagesCallsOutputsAndReasoning()
    {
        (ResponsesRequestInfo info, string anthropic) = Translate("""
            {"model":"m","input":[
              {"role":"developer","content":"Use tools."},
              {"type":"message","role":"user","content":[{"type":"input_text","text":"Look:"},{"type":"input_image","image_url":"data:image/jpeg;base64,/9j/"}]},
              {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Call it."}]},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Calling."}]},
              {"type":"function_call","id":"fc_1","call_id":"call_1","name":"ls","arguments":"{\"path\":\".\"}"},
              {"type":"function_call_output","call_id":"call_1","output":"a.txt"},
              {"role":"user","content":"And?"}],
             "tools":[{"type":"function","name":"ls","description":"List","parameters":{"type":"object"},"strict":false},
                      {"type":"web_search_preview"}],
             "tool_choice":"required","parallel_tool_calls":false,"user":"u"}
            """);

        Assert.Equal(["web_search_preview"], info.DroppedTools);
        JsonEqual("""
            {"model":"m","max_tokens":4096,"system":"Use tools.","messages":[
              {"role":"user","content":[{"type":"text","text":"Look:"},{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}]},
              {"role":"assistant","content":[{"type":"thinking","thinking":"Call it."},{"type":"text","text":"Calling."},
                {"type":"tool_use","id":"call_1","name":"ls","input":{"path":"."}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"a.txt"},{"type":"text","text":"And?"}]}],
             "tools":[{"name":"ls","description":"List","input_schema":{"type":"object"}}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},"metadata":{"user_id":"u"}}
            """, anthropic);
    }

    [Theory]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"previous_response_id\":\"resp_1\"}", "previous_response_id", "Send the whole conversation in 'input'")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"conversation\":\"conv_1\"}", "conversation", "stateless")]
    [InlineData("{\"model\":\"m\"}", "input", "'input' is required")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"type\":\"item_reference\",\"id\":\"x\"}]}", "input[0].type", "Send the item itself")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"type\":\"computer_call\"}]}", "input[0].type", "'computer_call' is not supported")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\"}]}]}", "input[0].content[0].type", "'input_file' is not supported")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"f\"}]}]}", "input[0].content[0].image_url", "file_id is not supported")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"web_search\"}],\"tool_choice\":{\"type\":\"web_search\"}}", "tool_choice.type", "only function tools")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}", "input[0].call_id", "call_id")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"reasoning\":{\"effort\":\"extreme\"}}", "reasoning.effort", "one of none")]
    public void InvalidRequests_AreRefusedWithWhereAndHow(string body, string param, string messagePart)
    {
        InboundRequestException e = Assert.Throws<InboundRequestException>(() => ResponsesRequestTranslator.ToAnthropic(Utf8(body), new ArrayBufferWriter<byte>()));
        Assert.Equal(400, e.Status);
        Assert.Equal(param, e.Param);
        Assert.Contains(messagePart, e.Message, StringComparison.Ordinal);
    }
}
