using Ccr.Core.Protocol.Inbound;
using static Ccr.Core.Tests.Protocol.Inbound.InboundTestKit;

namespace Ccr.Core.Tests.Protocol.Inbound;

public class AnthropicToResponseTests
{
    private static string Translate(string anthropic) => Run(o => AnthropicToResponse.Write(Utf8(anthropic), o, Time()));

    [Fact]
    public void Message_BecomesResponseWithItemsInBlockOrder()
    {
        string response = Translate("""
            {"id":"msg_01XY","type":"message","role":"assistant","model":"m",
             "content":[{"type":"thinking","thinking":"Hmm.","signature":"s"},{"type":"text","text":"Sure \"x\""},
                        {"type":"tool_use","id":"toolu_1","name":"ls","input":{"path":"."}}],
             "stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":3}}
            """);

        JsonEqual("""
            {"id":"resp_01XY","object":"response","created_at":1700000000,"status":"completed","error":null,"incomplete_details":null,"model":"m",
             "output":[
               {"type":"reasoning","id":"rs_01XY_0","summary":[{"type":"summary_text","text":"Hmm."}]},
               {"type":"message","id":"msg_01XY_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Sure \"x\"","annotations":[]}]},
               {"type":"function_call","id":"fc_toolu_1","status":"completed","call_id":"toolu_1","name":"ls","arguments":"{\"path\":\".\"}"}],
             "usage":{"input_tokens":13,"output_tokens":5,"total_tokens":18,"input_tokens_details":{"cached_tokens":3},"output_tokens_details":{"reasoning_tokens":0}}}
            """, response);
        Assert.Equal("response", OpenAIWire.Read<ResponseObject>(response).Object);
    }

    [Fact]
    public void MaxTokens_MakesResponseIncomplete()
    {
        ResponseObject response = OpenAIWire.Read<ResponseObject>(Translate("""
            {"id":"msg_1","model":"m","content":[{"type":"text","text":"cut"}],"stop_reason":"max_tokens","usage":{"input_tokens":1,"output_tokens":2}}
            """));
        Assert.Equal("incomplete", response.Status);
        Assert.Equal("max_output_tokens", response.IncompleteDetails!.Reason);
        Assert.Equal("incomplete", response.Output[0].Status);
    }
}
