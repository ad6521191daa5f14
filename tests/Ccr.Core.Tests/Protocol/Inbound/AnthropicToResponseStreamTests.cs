using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Ccr.Core.Protocol.Inbound;
using static Ccr.Core.Tests.Protocol.Inbound.InboundTestKit;

namespace Ccr.Core.Tests.Protocol.Inbound;

public class AnthropicToResponseStreamTests
{
    private static string Translate(string sse, Func<byte[], IEnumerable<(int Start, int Length)>>? split = null)
    {
        var translator = new AnthropicToResponseStream(new ResponsesRequestInfo("asked", true, []), Time());
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

    /// <summary>Parses every event strictly, checking the event line matches the data's type and sequence numbers count up from 0.</summary>
    private static List<ResponseStreamEvent> Events(string sse)
    {
        var events = new List<ResponseStreamEvent>();
        foreach (string block in sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string[] lines = block.Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("event: ", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
            ResponseStreamEvent e = OpenAIWire.Read<ResponseStreamEvent>(lines[1][6..]);
            Assert.Equal(lines[0][7..], e.Type);
            Assert.Equal(events.Count, e.SequenceNumber);
            events.Add(e);
        }

        return events;
    }

    [Fact]
    public void ToolStream_GivesTheResponsesEventSequence()
    {
        List<ResponseStreamEvent> events = Events(Translate(AnthropicToChatCompletionStreamTests.ToolStream));

        Assert.Equal(
            [
                "response.created", "response.in_progress",
                "response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.completed",
            ],
            events.Select(e => e.Type));

        ResponseStreamEvent textDelta = events[10];
        Assert.Equal(("msg_01abc_1", 1, 0, "Hé \"quoted\" 👍"), (textDelta.ItemId, textDelta.OutputIndex, textDelta.ContentIndex, textDelta.Delta));
        Assert.Equal("{\"city\":\"Paris\"}", events[17].Arguments);
        Assert.Equal(new ResponseItem("function_call", "fc_toolu_1", "completed", CallId: "toolu_1", Name: "get_weather", Arguments: "{\"city\":\"Paris\"}"), events[18].Item);

        ResponseObject completed = events[^1].Response!;
        Assert.Equal(("resp_01abc", "completed", "m-up"), (completed.Id, completed.Status, completed.Model));
        Assert.Equal(["reasoning", "message", "function_call"], completed.Output.Select(o => o.Type));
        Assert.Equal("Let me think", completed.Output[0].Summary![0].Text);
        Assert.Equal("Hé \"quoted\" 👍", completed.Output[1].Content![0].Text);
        Assert.Equal(new ResponseUsage(16, 42, 58, new InputTokensDetails(4), new OutputTokensDetails(0)), completed.Usage);
    }

    [Fact]
    public void StreamedAndWholeAnswers_DescribeTheSameResponse()
    {
        string whole = Run(o => AnthropicToResponse.Write(Utf8("""
            {"id":"msg_01abc","type":"message","role":"assistant","model":"m-up",
             "content":[{"type":"thinking","thinking":"Let me think","signature":"sig"},{"type":"text","text":"Hé \"quoted\" 👍"},
                        {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}],
             "stop_reason":"tool_use","usage":{"input_tokens":12,"output_tokens":42,"cache_read_input_tokens":4}}
            """), o, Time()));
        string streamed = JsonNode.Parse(DataOf(Translate(AnthropicToChatCompletionStreamTests.ToolStream), "response.completed"))!["response"]!.ToJsonString();
        JsonEqual(whole, streamed);
    }

    [Fact]
    public void EverySplitPoint_GivesIdenticalOutput()
    {
        string expected = Translate(AnthropicToChatCompletionStreamTests.ToolStream);
        byte[] bytes = Utf8(AnthropicToChatCompletionStreamTests.ToolStream);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            int at = cut;
            Assert.Equal(expected, Translate(AnthropicToChatCompletionStreamTests.ToolStream, b => [(0, at), (at, b.Length - at)]));
        }

        Assert.Equal(expected, Translate(AnthropicToChatCompletionStreamTests.ToolStream, b => Enumerable.Range(0, b.Length).Select(i => (i, 1))));
    }

    [Fact]
    public void ErrorEvent_EndsWithResponseFailed()
    {
        string sse = Sse(
            """{"type":"message_start","message":{"id":"msg_9","model":"m-up","usage":{"input_tokens":1}}}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}""",
            """{"type":"error","error":{"type":"rate_limit_error","message":"Quota exhausted for this window"}}""");
        List<ResponseStreamEvent> events = Events(Translate(sse));

        ResponseStreamEvent failed = events[^1];
        Assert.Equal("response.failed", failed.Type);
        Assert.Equal("failed", failed.Response!.Status);
        Assert.Equal(new ResponseError("insufficient_quota", "Quota exhausted for this window"), failed.Response.Error);
        Assert.Single(events, e => e.Type == "response.failed");
    }

    [Fact]
    public void CutStream_EndsWithResponseFailedOnComplete()
    {
        string sse = Sse(
            """{"type":"message_start","message":{"id":"msg_9","model":"m-up","usage":{"input_tokens":1}}}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}""");
        ResponseStreamEvent failed = Events(Translate(sse))[^1];
        Assert.Equal("response.failed", failed.Type);
        Assert.Contains("ended before the answer was complete", failed.Response!.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxTokens_EndsWithResponseIncomplete()
    {
        string sse = Sse(
            """{"type":"message_start","message":{"id":"msg_9","model":"m-up","usage":{"input_tokens":1}}}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}""",
            """{"type":"content_block_stop","index":0}""",
            """{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":1}}""",
            """{"type":"message_stop"}""");
        ResponseStreamEvent last = Events(Translate(sse))[^1];
        Assert.Equal("response.incomplete", last.Type);
        Assert.Equal("max_output_tokens", last.Response!.IncompleteDetails!.Reason);
    }

    private static string DataOf(string sse, string type)
    {
        foreach (string block in sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string[] lines = block.Split('\n');
            if (lines[0] == "event: " + type)
            {
                return lines[1][6..];
            }
        }

        throw new InvalidOperationException("no " + type);
    }
}
