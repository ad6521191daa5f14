using System.Diagnostics;
using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;
using Ccr.Core.Tests.Reliability;
using Ccr.Core.Tests.Routing;
using Ccr.Core.Tests.TestSupport;
using Ccr.Core.Usage;
using FakeUpstream;

namespace Ccr.Core.Tests.Usage;

/// <summary>Usage counted through the router over a real fake upstream: tokens equal what the upstream reported, on every path, and they persist and add up.</summary>
public sealed class UsageFlowTests : IAsyncDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FakeUpstreamServer _upstream = FakeUpstreamServer.Start();

    private string StateFolder => _folder.File("state");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TranslatedOpenAI_CountsTheUpstreamsPromptAndCompletionTokens(bool stream)
    {
        _upstream.Script("a", FakeReply.Text("hello there", inputTokens: 123, outputTokens: 45));
        await using RouterEngine engine = Engine(Config());

        RouteResult result = await engine.Router.RouteAsync(Request("pa,a", stream), new RecordingSink(), CancellationToken.None);

        Assert.True(result.Succeeded, result.Error?.Message);
        UsageCounts counts = Single(engine, "pa", "a");
        Assert.Equal(1, counts.Requests);
        Assert.Equal(123, counts.InputTokens);
        Assert.Equal(45, counts.OutputTokens);
        Assert.Equal(0, counts.Errors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnthropicPassthrough_CountsTheUsageOfTheUntouchedAnswer(bool stream)
    {
        _upstream.Script("x", FakeReply.Text("hello there", inputTokens: 77, outputTokens: 19));
        await using RouterEngine engine = Engine(Config());

        var sink = new RecordingSink();
        RouteResult result = await engine.Router.RouteAsync(Request("px,x", stream), sink, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error?.Message);
        UsageCounts counts = Single(engine, "px", "x");
        Assert.Equal(1, counts.Requests);
        Assert.Equal(77, counts.InputTokens);
        Assert.Equal(19, counts.OutputTokens);
    }

    [Fact]
    public async Task AnthropicPassthroughStream_CountsCacheReadsAndWritesApartFromInput()
    {
        string sse =
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":11,\"cache_creation_input_tokens\":300,\"cache_read_input_tokens\":4000,\"output_tokens\":1}}}\n\n"
            + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"say \\\"usage\\\": 5\"}}\n\n"
            + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":42}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        _upstream.Script("x", FakeReply.Raw(200, "text/event-stream", sse));
        await using RouterEngine engine = Engine(Config());

        var sink = new RecordingSink();
        RouteResult result = await engine.Router.RouteAsync(Request("px,x", stream: true), sink, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(sse, sink.Body);
        UsageCounts counts = Single(engine, "px", "x");
        Assert.Equal(11, counts.InputTokens);
        Assert.Equal(4000, counts.CacheReadTokens);
        Assert.Equal(300, counts.CacheWriteTokens);
        Assert.Equal(42, counts.OutputTokens);
    }

    [Fact]
    public async Task TranslatedOpenAI_CachedPromptTokensCountAsCacheReadsNotInput()
    {
        const string body = """
            {"id":"c1","object":"chat.completion","created":1,"model":"a","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":1000,"completion_tokens":7,"total_tokens":1007,"prompt_tokens_details":{"cached_tokens":600}}}
            """;
        _upstream.Script("a", FakeReply.Raw(200, "application/json", body));
        await using RouterEngine engine = Engine(Config());

        RouteResult result = await engine.Router.RouteAsync(Request("pa,a", stream: false), new RecordingSink(), CancellationToken.None);

        Assert.True(result.Succeeded, result.Error?.Message);
        UsageCounts counts = Single(engine, "pa", "a");
        Assert.Equal(400, counts.InputTokens);
        Assert.Equal(600, counts.CacheReadTokens);
        Assert.Equal(7, counts.OutputTokens);
    }

    [Fact]
    public async Task FailedTier_CountsAnError_AndTheTierThatServesCountsAFallback()
    {
        _upstream.Script("a", FakeReply.ServerError(500));
        _upstream.Script("b", FakeReply.Text("ok", inputTokens: 3, outputTokens: 2));
        await using RouterEngine engine = Engine(Config());

        RouteResult result = await engine.Router.RouteAsync(Request("claude-sonnet-4-5", stream: false), new RecordingSink(), CancellationToken.None);

        Assert.True(result.Succeeded, result.Error?.Message);
        UsageCounts a = Single(engine, "pa", "a");
        UsageCounts b = Single(engine, "pb", "b");
        Assert.Equal((1, 1, 0), (a.Requests, a.Errors, a.Fallbacks));
        Assert.Equal((1, 0, 1), (b.Requests, b.Errors, b.Fallbacks));
        Assert.Equal(3, b.InputTokens);
        Assert.Contains("ccr_usage_tokens_total{provider=\"pb\",model=\"b\",kind=\"input\"} 3", engine.Metrics.RenderPrometheus(), StringComparison.Ordinal);
        Assert.Contains("ccr_usage_errors_total{provider=\"pa\",model=\"a\",tier_name=\"\"} 1", engine.Metrics.RenderPrometheus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_SurvivesARestart_AndTheNextEngineAddsToIt()
    {
        _upstream.ScriptDefault(FakeReply.Text("ok", inputTokens: 10, outputTokens: 4));
        await using (RouterEngine first = Engine(Config()))
        {
            await first.Router.RouteAsync(Request("pa,a", stream: false), new RecordingSink(), CancellationToken.None);
            await first.Router.RouteAsync(Request("pa,a", stream: true), new RecordingSink(), CancellationToken.None);
        }

        await using RouterEngine second = Engine(Config());
        Assert.Equal(2, Single(second, "pa", "a").Requests);

        await second.Router.RouteAsync(Request("pa,a", stream: false), new RecordingSink(), CancellationToken.None);

        UsageCounts counts = Single(second, "pa", "a");
        Assert.Equal(3, counts.Requests);
        Assert.Equal(30, counts.InputTokens);
        Assert.Equal(12, counts.OutputTokens);
    }

    [Fact]
    public async Task TwoEnginesOnOneStore_FromTwoThreads_AddUp()
    {
        _upstream.RecordRequests = false;
        _upstream.ScriptDefault(FakeReply.Text("ok", inputTokens: 5, outputTokens: 1));
        const int PerEngine = 40;
        await using (RouterEngine one = Engine(Config()))
        await using (RouterEngine two = Engine(Config()))
        {
            await Task.WhenAll(
                Task.Run(() => RouteManyAsync(one, PerEngine)),
                Task.Run(() => RouteManyAsync(two, PerEngine)));
        }

        Dictionary<UsageBucketKey, UsageCounts> stored = UsageRecorder.ReadFile(Path.Combine(StateFolder, "usage.json"), 0, long.MaxValue);
        UsageCounts total = Sum(stored, "pa", "a");
        Assert.Equal(2 * PerEngine, total.Requests);
        Assert.Equal(2 * PerEngine * 5, total.InputTokens);
    }

    [Fact]
    public async Task ASecondProcess_AndThisOne_AddUpInTheSameStore()
    {
        string store = Path.Combine(StateFolder, "usage.json");
        const int Count = 300;
        using Process helper = DataSafetyTests.StartHelper("record-usage", store, Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using (var mine = new UsageRecorder(store, TimeProvider.System, flushInterval: TimeSpan.FromMilliseconds(10)))
        {
            for (int i = 0; i < Count; i++)
            {
                mine.Record("shared", "m", null, new UsageCounts { Requests = 1, InputTokens = 10, OutputTokens = 2 });
                if (i % 50 == 0)
                {
                    await Task.Delay(20);
                }
            }
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await helper.WaitForExitAsync(cts.Token);
        Assert.True(helper.ExitCode == 0, await helper.StandardError.ReadToEndAsync());

        UsageCounts total = Sum(UsageRecorder.ReadFile(store, 0, long.MaxValue), "shared", "m");
        Assert.Equal(2 * Count, total.Requests);
        Assert.Equal(2 * Count * 10, total.InputTokens);
        Assert.Equal(2 * Count * 2, total.OutputTokens);
    }

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _folder.Dispose();
    }

    private static async Task RouteManyAsync(RouterEngine engine, int count)
    {
        for (int i = 0; i < count; i++)
        {
            RouteResult result = await engine.Router.RouteAsync(Request("pa,a", stream: false), new RecordingSink(), CancellationToken.None);
            Assert.True(result.Succeeded, result.Error?.Message);
        }
    }

    private static UsageCounts Single(RouterEngine engine, string provider, string model) =>
        Sum(engine.Usage.Read(0, long.MaxValue), provider, model);

    private static UsageCounts Sum(Dictionary<UsageBucketKey, UsageCounts> buckets, string provider, string model)
    {
        var total = default(UsageCounts);
        foreach (KeyValuePair<UsageBucketKey, UsageCounts> bucket in buckets)
        {
            if (bucket.Key.Key.Provider == provider && bucket.Key.Key.Model == model)
            {
                total.Add(bucket.Value);
            }
        }

        return total;
    }

    private string Config() =>
        $$"""
        {
          "Providers": [
            { "name": "pa", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-test-a", "models": ["a"] },
            { "name": "pb", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-test-b", "models": ["b"] },
            { "name": "px", "api_base_url": "{{_upstream.AnthropicBaseUrl}}", "api_key": "sk-test-x", "models": ["x"] }
          ],
          "Router": { "default": "pa,a", "tiers": ["pa,a", "pb,b"], "tierRetries": { "tier-0": { "max_retries": 0 }, "tier-1": { "max_retries": 0 } } },
          "API_TIMEOUT_MS": 5000
        }
        """;

    private RouterEngine Engine(string json)
    {
        CcrConfig config = ConfigLoader.LoadFromText(json, null).Config ?? throw new InvalidOperationException("test config did not load");
        return new RouterEngine(config, new RouterEngineOptions { StateFolder = StateFolder, LogFolder = _folder.File("logs") });
    }

    private static InboundRequest Request(string model, bool stream)
    {
        byte[] body = Encoding.UTF8.GetBytes("{\"model\":\"" + model + "\",\"max_tokens\":8," + (stream ? "\"stream\":true," : "") + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        return new InboundRequest { Body = body, Facts = RequestFacts.Read(body), RequestId = "req_usage_test" };
    }
}
