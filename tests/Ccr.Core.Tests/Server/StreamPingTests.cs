using System.Text;
using System.Text.Json;
using Ccr.Core.Config;
using FakeUpstream;
using Microsoft.Extensions.Time.Testing;

namespace Ccr.Core.Tests.Server;

/// <summary>
/// STREAM_PING_INTERVAL_MS: a streamed answer that goes silent (the upstream thinking) gets keep-alives, only between
/// events, in the client's own protocol. The proxy runs on a FakeTimeProvider, so a silence is made by advancing it, and
/// the upstream holds its next chunk until the client has seen the pings: nothing here depends on how fast the machine is.
/// </summary>
public sealed class StreamPingTests
{
    // The engine runs on the test's clock, so its deadlines advance with every ping interval the test makes pass:
    // a day each, so no number of steps a slow machine needs can make the upstream call time out.
    private const string TranslatedConfig = """
        { "Providers": [ { "name": "qwen", "api_base_url": "{OPENAI}", "api_key": "sk-test-0123456789", "models": ["m"] } ],
          "API_TIMEOUT_MS": 86400000, "REQUEST_TIMEOUT_MS": 86400000,
          "Router": { "default": "qwen,m" } }
        """;

    private const string PassThroughConfig = """
        { "Providers": [ { "name": "glm", "api_base_url": "{ANTHROPIC}", "api_key": "sk-test-0123456789", "models": ["m"] } ],
          "API_TIMEOUT_MS": 86400000, "REQUEST_TIMEOUT_MS": 86400000,
          "Router": { "default": "glm,m" } }
        """;

    private const string AnthropicPing = "event: ping";
    private const string CommentPing = ": ping";
    private const string StreamRequest = """{"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}""";
    private const string ResponsesStreamRequest = """{"model":"claude-sonnet-4-5","stream":true,"input":"hi"}""";
    private const string ChatStreamRequest = """{"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"hi"}]}""";

    private static readonly TimeSpan s_defaultInterval = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(TranslatedConfig)]
    [InlineData(PassThroughConfig)]
    public async Task ASilenceAfterTheFirstDelta_GetsAnthropicPings_BetweenEvents_AndTheAnswerIsIntact(string config)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = new TaskCompletionSource<SseWatcher>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using ProxyFixture f = await ProxyFixture.StartAsync(config, u => u.ScriptDefault(FakeReply.PacedStream(3, async segment =>
        {
            // The upstream thinks after its first token until the client has had two pings.
            if (segment == 2)
            {
                await (await client.Task).WaitUntilAsync(lines => PingsAfterFirstDelta(lines) >= 2);
            }
        }, token: "t")), time);

        SseWatcher watcher = await SseWatcher.OpenAsync(f, "/v1/messages", StreamRequest);
        client.SetResult(watcher);
        await watcher.WaitUntilAsync(lines => CountDeltas(lines) == 1);
        await AdvanceUntilAsync(time, watcher, lines => PingsAfterFirstDelta(lines) >= 2);
        IReadOnlyList<string> all = await watcher.Completion;

        Assert.Equal("ttt", AnthropicText(all));
        List<string> kinds = EventNames(all);
        int firstDelta = kinds.IndexOf("content_block_delta");
        int pings = kinds.Skip(firstDelta + 1).TakeWhile(k => k == "ping").Count();
        Assert.True(pings >= 2, "pings after the first delta: " + pings);
        Assert.Equal(["content_block_delta", "content_block_delta", "content_block_stop"], kinds.GetRange(firstDelta + 1 + pings, 3));
        Assert.Equal("message_stop", kinds[^1]);
        AssertEveryEventIsWholeJson(all);
    }

    [Theory]
    [InlineData("/v1/chat/completions", ChatStreamRequest, "\"content\":\"t\"")]
    [InlineData("/v1/responses", ResponsesStreamRequest, "\"delta\":\"t\"")]
    public async Task AnOpenAIClient_GetsSseComments_ThatItsParserSkips(string path, string body, string tokenMarker)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = new TaskCompletionSource<SseWatcher>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using ProxyFixture f = await ProxyFixture.StartAsync(TranslatedConfig, u => u.ScriptDefault(FakeReply.PacedStream(2, async segment =>
        {
            if (segment == 2)
            {
                await (await client.Task).WaitUntilAsync(lines => Count(lines, CommentPing) >= 1);
            }
        }, token: "t")), time);

        SseWatcher watcher = await SseWatcher.OpenAsync(f, path, body);
        client.SetResult(watcher);
        await watcher.WaitUntilAsync(lines => lines.Any(l => l.Contains(tokenMarker, StringComparison.Ordinal)));
        await AdvanceUntilAsync(time, watcher, lines => Count(lines, CommentPing) >= 1);
        IReadOnlyList<string> all = await watcher.Completion;

        Assert.True(Count(all, CommentPing) >= 1);
        Assert.DoesNotContain(all, l => l == AnthropicPing);
        Assert.Equal(2, all.Count(l => l.Contains(tokenMarker, StringComparison.Ordinal)));
        AssertEveryEventIsWholeJson(all);
    }

    [Fact]
    public async Task AReadThatEndsInsideAnEvent_IsNeverSplitByAPing_ThePingWaitsForTheEventsEnd()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = new TaskCompletionSource<SseWatcher>(TaskCreationOptions.RunContinuationsAsynchronously);
        const string head = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":3,\"output_tokens\":0}}}\n\n"
            + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delt";
        const string rest = "a\":{\"type\":\"text_delta\",\"text\":\"whole\"}}\n\n";
        const string tail = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        using var restMayGo = new SemaphoreSlim(0);
        await using ProxyFixture f = await ProxyFixture.StartAsync(PassThroughConfig, u => u.ScriptDefault(FakeReply.PacedRawStream(async piece =>
        {
            if (piece == 1)
            {
                await restMayGo.WaitAsync(TimeSpan.FromSeconds(30));
            }
            else
            {
                await (await client.Task).WaitUntilAsync(lines => Count(lines, AnthropicPing) >= 1);
            }
        }, head, rest, tail)), time);

        SseWatcher watcher = await SseWatcher.OpenAsync(f, "/v1/messages", StreamRequest);
        client.SetResult(watcher);

        // The client has the half event's first line: what the proxy last wrote ends inside that event. Silences pass, a
        // moment of real time apart so a proxy that pinged there would have done so (a correct one never does, however timed).
        await watcher.WaitUntilAsync(lines => lines.Contains("event: content_block_delta"));
        for (int i = 0; i < 4; i++)
        {
            time.Advance(s_defaultInterval);
            await Task.Delay(50);
        }

        restMayGo.Release();

        // Now the event is whole, and a silence gets its ping.
        await watcher.WaitUntilAsync(lines => lines.Any(l => l.Contains("\"whole\"", StringComparison.Ordinal)));
        await AdvanceUntilAsync(time, watcher, lines => Count(lines, AnthropicPing) >= 1);
        IReadOnlyList<string> all = await watcher.Completion;

        List<string> kinds = EventNames(all);
        int pings = Count(all, AnthropicPing);
        Assert.True(pings >= 1);
        Assert.Equal(["message_start", "content_block_start", "content_block_delta"], kinds.GetRange(0, 3));
        Assert.Equal(Enumerable.Repeat("ping", pings), kinds.GetRange(3, pings));
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], kinds.GetRange(3 + pings, 3));
        AssertEveryEventIsWholeJson(all);
    }

    [Fact]
    public async Task IntervalZero_TurnsPingsOff()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var mayGo = new SemaphoreSlim(0);
        await using ProxyFixture f = await ProxyFixture.StartAsync(
            TranslatedConfig.Replace("\"Router\"", "\"STREAM_PING_INTERVAL_MS\": 0, \"Router\"", StringComparison.Ordinal),
            u => u.ScriptDefault(FakeReply.PacedStream(2, async segment =>
            {
                if (segment == 2)
                {
                    await mayGo.WaitAsync(TimeSpan.FromSeconds(30));
                }
            }, token: "t")),
            time);

        SseWatcher watcher = await SseWatcher.OpenAsync(f, "/v1/messages", StreamRequest);
        await watcher.WaitUntilAsync(lines => CountDeltas(lines) == 1);
        time.Advance(TimeSpan.FromMinutes(1));
        mayGo.Release();
        IReadOnlyList<string> all = await watcher.Completion;

        Assert.Equal(0, Count(all, AnthropicPing));
        Assert.Equal("tt", AnthropicText(all));
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("1000", 1000)]
    [InlineData(null, 15_000)]
    public void Config_ReadsTheInterval(string? value, int expected)
    {
        string json = value is null ? "{}" : "{ \"STREAM_PING_INTERVAL_MS\": " + value + " }";

        ConfigLoadResult loaded = ConfigLoader.LoadFromText(json, null);

        Assert.Equal(expected, Assert.IsType<CcrConfig>(loaded.Config).StreamPingIntervalMs);
    }

    [Fact]
    public void Config_AnIntervalUnderASecond_IsRefusedWithHowToFixIt()
    {
        ConfigLoadResult loaded = ConfigLoader.LoadFromText("{ \"STREAM_PING_INTERVAL_MS\": 50 }", null);

        ConfigDiagnostic error = Assert.Single(loaded.Diagnostics, d => d.JsonPath == "$.STREAM_PING_INTERVAL_MS");
        Assert.Contains("write 0 to turn stream pings off, or at least 1000", error.Message, StringComparison.Ordinal);
    }

    private static int Count(IEnumerable<string> lines, string line) => lines.Count(l => l == line);

    /// <summary>
    /// Advances the proxy's clock a ping interval at a time until the client has seen what <paramref name="condition"/> asks.
    /// One step can pass without a ping when it lands while the proxy is still finishing its last write (its gate is held
    /// until the write has returned, a moment after the client has the bytes); the next step then pings.
    /// </summary>
    private static async Task AdvanceUntilAsync(FakeTimeProvider time, SseWatcher watcher, Func<IReadOnlyList<string>, bool> condition)
    {
        for (int step = 0; step < 100; step++)
        {
            time.Advance(s_defaultInterval);
            if (await watcher.TryWaitUntilAsync(condition, TimeSpan.FromMilliseconds(300)))
            {
                return;
            }
        }

        await watcher.WaitUntilAsync(condition);
    }

    private static int PingsAfterFirstDelta(IReadOnlyList<string> lines)
    {
        int first = -1;
        for (int i = 0; i < lines.Count && first < 0; i++)
        {
            first = lines[i].StartsWith("data: ", StringComparison.Ordinal) && lines[i].Contains("\"text_delta\"", StringComparison.Ordinal) ? i : -1;
        }

        return first < 0 ? 0 : lines.Skip(first).Count(l => l == AnthropicPing);
    }

    private static int CountDeltas(IEnumerable<string> lines) => lines.Count(l => l.StartsWith("data: ", StringComparison.Ordinal) && l.Contains("\"text_delta\"", StringComparison.Ordinal));

    private static List<string> EventNames(IEnumerable<string> lines) =>
        lines.Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l["event: ".Length..]).ToList();

    private static string AnthropicText(IEnumerable<string> lines)
    {
        var text = new StringBuilder();
        foreach (string line in lines.Where(l => l.StartsWith("data: ", StringComparison.Ordinal) && l.Contains("\"text_delta\"", StringComparison.Ordinal)))
        {
            using JsonDocument doc = JsonDocument.Parse(line["data: ".Length..]);
            text.Append(doc.RootElement.GetProperty("delta").GetProperty("text").GetString());
        }

        return text.ToString();
    }

    /// <summary>Every data line is one whole JSON value (or the OpenAI end marker): no ping landed inside an event.</summary>
    private static void AssertEveryEventIsWholeJson(IEnumerable<string> lines)
    {
        foreach (string line in lines.Where(l => l.StartsWith("data: ", StringComparison.Ordinal) && l != "data: [DONE]"))
        {
            using JsonDocument _ = JsonDocument.Parse(line["data: ".Length..]);
        }
    }

    /// <summary>A streaming client that reads lines as they arrive and lets the test (and the fake upstream) wait for what it has seen.</summary>
    private sealed class SseWatcher
    {
        private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

        private readonly List<string> _lines = new();
        private readonly object _gate = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private SseWatcher()
        {
        }

        public Task<IReadOnlyList<string>> Completion { get; private set; } = null!;

        public static async Task<SseWatcher> OpenAsync(ProxyFixture f, string path, string body)
        {
            var watcher = new SseWatcher();
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
            HttpResponseMessage response = await f.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(200, (int)response.StatusCode);
            watcher.Completion = watcher.ReadAsync(response);
            return watcher;
        }

        /// <summary>Waits until <paramref name="condition"/> holds for the lines read so far; fails the test after 30 s.</summary>
        public async Task WaitUntilAsync(Func<IReadOnlyList<string>, bool> condition)
        {
            if (!await TryWaitUntilAsync(condition, s_bound))
            {
                throw new TimeoutException("The client never saw what the test waited for within 30 s. It has:\n" + Snapshot());
            }
        }

        /// <summary>Whether <paramref name="condition"/> came to hold within <paramref name="bound"/>.</summary>
        public async Task<bool> TryWaitUntilAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan within)
        {
            using var bound = new CancellationTokenSource(within);
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (condition(_lines))
                    {
                        return true;
                    }

                    changed = _changed.Task;
                }

                if (Completion.IsCompleted)
                {
                    throw new InvalidOperationException("The stream ended before the condition held:\n" + Snapshot());
                }

                try
                {
                    await changed.WaitAsync(bound.Token);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }

        private string Snapshot()
        {
            lock (_gate)
            {
                return string.Join("\n", _lines);
            }
        }

        private async Task<IReadOnlyList<string>> ReadAsync(HttpResponseMessage response)
        {
            using (response)
            {
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                while (await reader.ReadLineAsync() is { } line)
                {
                    TaskCompletionSource changed;
                    lock (_gate)
                    {
                        _lines.Add(line);
                        changed = _changed;
                        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    changed.TrySetResult();
                }
            }

            lock (_gate)
            {
                _changed.TrySetResult();
                return _lines.ToList();
            }
        }
    }
}
