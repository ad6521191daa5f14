using System.Text.Json;
using FakeUpstream;
using static Ccr.Core.Tests.FakeUpstreamTests.UpstreamClient;

namespace Ccr.Core.Tests.FakeUpstreamTests;

/// <summary>Successful answers render exactly as OpenAI and Anthropic send them, streamed and not.</summary>
public sealed class FakeUpstreamWireTests : FakeUpstreamTestBase
{
    [Fact]
    public async Task Text_OpenAI_IsAChatCompletionWithUsage()
    {
        Server.Script("m", FakeReply.Text("Hi there", inputTokens: 12, outputTokens: 3));

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, anthropic: false, "m", stream: false);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        JsonElement json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        Assert.StartsWith("chatcmpl-", json.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("m", json.GetProperty("model").GetString());
        JsonElement choice = json.GetProperty("choices")[0];
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("Hi there", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(12, json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(3, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(15, json.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Text_OpenAIStream_SendsRoleDeltasFinishUsageAndDone()
    {
        Server.Script("m", FakeReply.Text("one two three", 7, 3));

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, anthropic: false, "m", stream: true, includeUsage: true);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        List<SseEvent> events = ParseSse(body);
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.All(events.SkipLast(1), e => Assert.Equal("chat.completion.chunk", e.Json.GetProperty("object").GetString()));
        Assert.Equal("assistant", events[0].Json.GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("one two three", StreamedText(events));
        JsonElement finish = events[^3].Json.GetProperty("choices")[0];
        Assert.Equal("stop", finish.GetProperty("finish_reason").GetString());
        JsonElement usageChunk = events[^2].Json;
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(10, usageChunk.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Text_OpenAIStreamWithoutIncludeUsage_HasNoUsageChunk()
    {
        (_, string body) = await SendAsync(Client, Server, anthropic: false, "m", stream: true);

        List<SseEvent> events = ParseSse(body);
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.All(events.SkipLast(1), e => Assert.False(e.Json.TryGetProperty("usage", out _)));
        Assert.Equal("stop", events[^2].Json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal("Hello from fake upstream", StreamedText(events));
    }

    [Fact]
    public async Task Text_Anthropic_IsAMessage()
    {
        Server.Script("claude-x", FakeReply.Text("Hi there", 12, 3));

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, anthropic: true, "claude-x", stream: false);

        Assert.Equal(200, (int)response.StatusCode);
        JsonElement json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("message", json.GetProperty("type").GetString());
        Assert.StartsWith("msg_", json.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("assistant", json.GetProperty("role").GetString());
        Assert.Equal("claude-x", json.GetProperty("model").GetString());
        Assert.Equal("text", json.GetProperty("content")[0].GetProperty("type").GetString());
        Assert.Equal("Hi there", json.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("end_turn", json.GetProperty("stop_reason").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("stop_sequence").ValueKind);
        Assert.Equal(12, json.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal(3, json.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Text_AnthropicStream_SendsTheFullEventSequence()
    {
        Server.Script("m", FakeReply.Text("one two", 7, 2));

        (_, string body) = await SendAsync(Client, Server, anthropic: true, "m", stream: true);

        List<SseEvent> events = ParseSse(body);
        Assert.Equal(
            ["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            events.Select(e => e.Name));
        Assert.All(events, e => Assert.Equal(e.Name, e.Json.GetProperty("type").GetString()));
        Assert.Equal(7, events[0].Json.GetProperty("message").GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal("text", events[1].Json.GetProperty("content_block").GetProperty("type").GetString());
        Assert.Equal("text_delta", events[3].Json.GetProperty("delta").GetProperty("type").GetString());
        Assert.Equal("one two", StreamedText(events));
        Assert.Equal("end_turn", events[6].Json.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(2, events[6].Json.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task ToolCall_OpenAI_HasToolCallsAndFinishReasonToolCalls()
    {
        Server.Script("m", FakeReply.ToolCall("read_file", """{"path":"a.txt"}"""));

        (_, string body) = await SendAsync(Client, Server, anthropic: false, "m", stream: false);

        JsonElement choice = JsonDocument.Parse(body).RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("content").ValueKind);
        JsonElement call = choice.GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.StartsWith("call_", call.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("read_file", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"path":"a.txt"}""", call.GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public async Task ToolCall_Anthropic_HasToolUseBlockAfterText()
    {
        Server.Script("m", FakeReply.ToolCall("read_file", """{"path":"a.txt"}""", text: "Reading it."));

        (_, string body) = await SendAsync(Client, Server, anthropic: true, "m", stream: false);

        JsonElement json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("tool_use", json.GetProperty("stop_reason").GetString());
        Assert.Equal("Reading it.", json.GetProperty("content")[0].GetProperty("text").GetString());
        JsonElement toolUse = json.GetProperty("content")[1];
        Assert.Equal("tool_use", toolUse.GetProperty("type").GetString());
        Assert.StartsWith("toolu_", toolUse.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("read_file", toolUse.GetProperty("name").GetString());
        Assert.Equal("a.txt", toolUse.GetProperty("input").GetProperty("path").GetString());
    }

    [Fact]
    public async Task ToolCalls_OpenAIStream_InterleaveArgumentsByIndex()
    {
        Server.Script("m", FakeReply.ToolCalls(("a", """{"x":"111111"}"""), ("b", """{"y":"222222"}""")));

        (_, string body) = await SendAsync(Client, Server, anthropic: false, "m", stream: true);

        List<SseEvent> events = ParseSse(body);
        var indexes = new List<int>();
        var arguments = new Dictionary<int, string> { [0] = string.Empty, [1] = string.Empty };
        var names = new Dictionary<int, string>();
        foreach (SseEvent e in events.Where(e => e.Data != "[DONE]"))
        {
            JsonElement delta = e.Json.GetProperty("choices")[0].GetProperty("delta");
            if (!delta.TryGetProperty("tool_calls", out JsonElement calls))
            {
                continue;
            }

            JsonElement call = calls[0];
            int index = call.GetProperty("index").GetInt32();
            indexes.Add(index);
            if (call.GetProperty("function").TryGetProperty("name", out JsonElement name))
            {
                names[index] = name.GetString()!;
                Assert.Equal("function", call.GetProperty("type").GetString());
            }

            arguments[index] += call.GetProperty("function").GetProperty("arguments").GetString();
        }

        Assert.Equal("a", names[0]);
        Assert.Equal("b", names[1]);
        Assert.Equal("""{"x":"111111"}""", arguments[0]);
        Assert.Equal("""{"y":"222222"}""", arguments[1]);
        Assert.Contains(indexes.Zip(indexes.Skip(1)), pair => pair.First == 1 && pair.Second == 0);
        Assert.Equal("tool_calls", events[^2].Json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ToolCall_AnthropicStream_SendsInputJsonDeltas()
    {
        Server.Script("m", FakeReply.ToolCall("read_file", """{"path":"a.txt"}"""));

        (_, string body) = await SendAsync(Client, Server, anthropic: true, "m", stream: true);

        List<SseEvent> events = ParseSse(body);
        JsonElement start = events[1].Json.GetProperty("content_block");
        Assert.Equal("tool_use", start.GetProperty("type").GetString());
        Assert.Equal("read_file", start.GetProperty("name").GetString());
        string partial = string.Concat(events
            .Where(e => e.Name == "content_block_delta")
            .Select(e => e.Json.GetProperty("delta"))
            .Where(d => d.GetProperty("type").GetString() == "input_json_delta")
            .Select(d => d.GetProperty("partial_json").GetString()));
        Assert.Equal("""{"path":"a.txt"}""", partial);
        Assert.Equal("tool_use", events.Single(e => e.Name == "message_delta").Json.GetProperty("delta").GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task Reasoning_OpenAI_HasReasoningContent()
    {
        Server.Script("m", FakeReply.Reasoning("think hard", "answer"));

        (_, string body) = await SendAsync(Client, Server, anthropic: false, "m", stream: false);
        (_, string streamed) = await SendAsync(Client, Server, anthropic: false, "m", stream: true);

        JsonElement message = JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("think hard", message.GetProperty("reasoning_content").GetString());
        Assert.Equal("answer", message.GetProperty("content").GetString());
        string reasoning = string.Concat(ParseSse(streamed)
            .Where(e => e.Data != "[DONE]")
            .Select(e => e.Json.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("reasoning_content", out _))
            .Select(d => d.GetProperty("reasoning_content").GetString()));
        Assert.Equal("think hard", reasoning);
        Assert.Equal("answer", StreamedText(ParseSse(streamed)));
    }

    [Fact]
    public async Task Reasoning_Anthropic_HasThinkingBlockWithSignature()
    {
        Server.Script("m", FakeReply.Reasoning("think hard", "answer"));

        (_, string body) = await SendAsync(Client, Server, anthropic: true, "m", stream: false);
        (_, string streamed) = await SendAsync(Client, Server, anthropic: true, "m", stream: true);

        JsonElement content = JsonDocument.Parse(body).RootElement.GetProperty("content");
        Assert.Equal("thinking", content[0].GetProperty("type").GetString());
        Assert.Equal("think hard", content[0].GetProperty("thinking").GetString());
        Assert.False(string.IsNullOrEmpty(content[0].GetProperty("signature").GetString()));
        Assert.Equal("answer", content[1].GetProperty("text").GetString());
        List<SseEvent> events = ParseSse(streamed);
        Assert.Equal("thinking", events[1].Json.GetProperty("content_block").GetProperty("type").GetString());
        var deltaTypes = events.Where(e => e.Name == "content_block_delta").Select(e => e.Json.GetProperty("delta").GetProperty("type").GetString()).ToList();
        Assert.Equal(["thinking_delta", "thinking_delta", "signature_delta", "text_delta"], deltaTypes);
        Assert.Equal("answer", StreamedText(events));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stream_WithDelay_SpacesChunksAndConcatenatesWhenNotStreaming(bool anthropic)
    {
        Server.Script("m", FakeReply.Stream(5, TimeSpan.FromMilliseconds(40), "ab "));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        (_, string streamed) = await SendAsync(Client, Server, anthropic, "m", stream: true);
        TimeSpan elapsed = clock.Elapsed;
        (_, string whole) = await SendAsync(Client, Server, anthropic, "m", stream: false);

        Assert.Equal("ab ab ab ab ab ", StreamedText(ParseSse(streamed)));
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(150), "A 5-chunk stream 40 ms apart took only " + elapsed.TotalMilliseconds + " ms.");
        Assert.Contains("ab ab ab ab ab ", whole, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Huge_SendsAtLeastTheRequestedBytes(bool anthropic)
    {
        Server.Script("m", FakeReply.Huge(1_000_000));

        (_, string body) = await SendAsync(Client, Server, anthropic, "m", stream: false);
        (_, string streamed) = await SendAsync(Client, Server, anthropic, "m", stream: true);

        Assert.True(body.Length >= 1_000_000);
        Assert.Equal(1_000_000, StreamedText(ParseSse(streamed)).Length);
    }
}
