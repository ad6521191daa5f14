using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Ccr.Core.Protocol;
using Ccr.Core.Tests.Routing;

namespace Ccr.Core.Tests.Protocol;

public class StreamTranslationTests
{
    public static IEnumerable<object[]> Cases => ProtocolFixtures.Names("Stream");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Golden_StreamTranslatesToExpectedEvents(string name)
    {
        JsonObject fixture = ProtocolFixtures.Load("Stream", name);
        byte[] sse = StreamHarness.BuildSse(fixture);
        byte[] output = await StreamHarness.TranslateAsync(new MemoryStream(sse), (string)fixture["reported_model"]!, (int?)fixture["estimated_input"] ?? 0);
        List<(string Event, JsonNode Data)> events = StreamHarness.ParseEvents(output);
        StreamHarness.AssertWellFormed(events, expectError: (bool?)fixture["expect_error"] ?? false);

        var actual = new JsonArray();
        foreach ((string ev, JsonNode data) in events)
        {
            actual.Add(new JsonObject { ["event"] = ev, ["data"] = data.DeepClone() });
        }

        ProtocolFixtures.AssertMatches("Stream", name, fixture, "expected", actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task SplitAtEveryByteBoundary_GivesIdenticalOutput(string name)
    {
        JsonObject fixture = ProtocolFixtures.Load("Stream", name);
        byte[] sse = StreamHarness.BuildSse(fixture);
        string model = (string)fixture["reported_model"]!;
        byte[] whole = await StreamHarness.TranslateAsync(new MemoryStream(sse), model, 7);
        for (int split = 1; split < sse.Length; split++)
        {
            int first = split;
            byte[] pieces = await StreamHarness.TranslateAsync(new StreamHarness.ChoppedStream(sse, read => read == 0 ? first : int.MaxValue), model, 7);
            Assert.True(whole.AsSpan().SequenceEqual(pieces), "output differs when split at byte " + split);
        }

        byte[] byteByByte = await StreamHarness.TranslateAsync(new StreamHarness.ChoppedStream(sse, _ => 1), model, 7);
        Assert.True(whole.AsSpan().SequenceEqual(byteByByte), "output differs when read one byte at a time");
    }

    [Fact]
    public void ErrorAsFirstChunk_ThrowsBeforeWritingAnything()
    {
        // Z.ai reports an exhausted plan inside a 200 stream.
        var translator = new OpenAIToAnthropicStream("zai,glm-5", 10, TestProviders.Generic);
        var output = new ArrayBufferWriter<byte>();
        var e = Assert.Throws<UpstreamProtocolException>(() =>
            translator.Translate("{\"error\":{\"code\":\"1113\",\"message\":\"Insufficient balance or no resource package. Please recharge.\"}}"u8, output));
        Assert.Equal(FailureKind.QuotaExceeded, e.Failure.Kind);
        Assert.Equal(0, output.WrittenCount);
        Assert.False(translator.HasOutput);
    }

    [Fact]
    public void GarbageAsFirstChunk_ThrowsInvalidResponseBeforeWritingAnything()
    {
        var translator = new OpenAIToAnthropicStream("p,m", 10, TestProviders.Generic);
        var output = new ArrayBufferWriter<byte>();
        var e = Assert.Throws<UpstreamProtocolException>(() => translator.Translate("<html>502 Bad Gateway</html>"u8, output));
        Assert.Equal(FailureKind.InvalidResponse, e.Failure.Kind);
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Fail_AfterOutput_WritesErrorEventAndIgnoresTheRest()
    {
        var translator = new OpenAIToAnthropicStream("p,m", 10, TestProviders.Generic);
        var output = new ArrayBufferWriter<byte>();
        translator.Translate("{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}"u8, output);
        translator.Fail(new AnthropicError(529, "overloaded_error", "upstream went away"), output);
        translator.Translate("{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}"u8, output);
        translator.Complete(output);
        List<(string Event, JsonNode Data)> events = StreamHarness.ParseEvents(output.WrittenSpan.ToArray());
        StreamHarness.AssertWellFormed(events, expectError: true);
        Assert.Equal("overloaded_error", (string?)events[^1].Data["error"]!["type"]);
    }

    [Fact]
    public void Complete_IsIdempotent_AndSummarisesUsage()
    {
        var translator = new OpenAIToAnthropicStream("p,m", 10, TestProviders.Generic);
        var output = new ArrayBufferWriter<byte>();
        translator.Translate("{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}"u8, output);
        translator.Translate("{\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}"u8, output);
        translator.Complete(output);
        int length = output.WrittenCount;
        translator.Complete(output);
        translator.Translate("[DONE]"u8, output);
        Assert.Equal(length, output.WrittenCount);
        Assert.Equal(new ResponseSummary("end_turn", 12, 3, 0), translator.Summary);
    }

    [Fact]
    public void LoneSurrogateEscape_AfterOutput_NeverThrowsAndStaysWellFormed()
    {
        var translator = new OpenAIToAnthropicStream("p,m", 10, TestProviders.Generic);
        var output = new ArrayBufferWriter<byte>();
        translator.Translate("{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}"u8, output);
        translator.Translate("{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"bad \\ud800\"}}]}"u8, output);
        translator.Translate("{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"x\",\"function\":{\"name\":\"f\",\"arguments\":\"\\udc00\"}}]}}]}"u8, output);
        translator.Complete(output);
        List<(string Event, JsonNode Data)> events = StreamHarness.ParseEvents(output.WrittenSpan.ToArray());
        StreamHarness.AssertWellFormed(events, expectError: events[^1].Event == "error");
    }

    [Fact]
    public void EmptyUpstream_CompleteStillGivesAValidEmptyMessage()
    {
        var translator = new OpenAIToAnthropicStream("p,m", 10, TestProviders.Generic);
        var output = new ArrayBufferWriter<byte>();
        translator.Complete(output);
        StreamHarness.AssertWellFormed(StreamHarness.ParseEvents(output.WrittenSpan.ToArray()));
        Assert.Contains("\"stop_reason\":\"end_turn\"", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }
}

public class InlineThinkStreamTests
{
    private static string Translate(params string[] contents)
    {
        var translator = new OpenAIToAnthropicStream("p,m", 5, TestProviders.Generic);
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (string content in contents)
        {
            string chunk = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":" + System.Text.Json.JsonSerializer.Serialize(content) + "}}]}";
            translator.Translate(System.Text.Encoding.UTF8.GetBytes(chunk), output);
        }

        translator.Complete(output);
        return System.Text.Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static (string Thinking, string Text) Blocks(string events)
    {
        var thinking = new System.Text.StringBuilder();
        var text = new System.Text.StringBuilder();
        foreach (string line in events.Split('\n'))
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
            {
                continue;
            }

            var node = System.Text.Json.Nodes.JsonNode.Parse(line[6..])!;
            thinking.Append((string?)node["delta"]?["thinking"]);
            text.Append((string?)node["delta"]?["text"]);
        }

        return (thinking.ToString(), text.ToString());
    }

    // Chunks are separated by '|'.
    [Theory]
    [InlineData("<think>plan it</think>\n\nThe answer.")]
    [InlineData("<thi|nk>plan| it</thi|nk>\n\nThe |answer.")]
    [InlineData("<|t|h|i|n|k|>|plan it|<|/|think>|The answer.")]
    public void InlineThink_SplitAcrossChunks_BecomesAThinkingBlockThenText(string chunks)
    {
        (string thinking, string text) = Blocks(Translate(chunks.Split('|')));

        Assert.Equal("plan it", thinking);
        Assert.Equal("The answer.", text);
    }

    [Fact]
    public void TextThatMerelyStartsLikeATag_IsTextUntouched()
    {
        (string thinking, string text) = Blocks(Translate("<t", "able> is an HTML tag"));

        Assert.Equal("", thinking);
        Assert.Equal("<table> is an HTML tag", text);
    }

    [Fact]
    public void AnUnclosedThink_IsAllThinking()
    {
        (string thinking, string text) = Blocks(Translate("<think>never", " closed"));

        Assert.Equal("never closed", thinking);
        Assert.Equal("", text);
    }
}
