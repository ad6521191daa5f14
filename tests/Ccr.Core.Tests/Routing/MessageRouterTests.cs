using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;
using FakeUpstream;

namespace Ccr.Core.Tests.Routing;

/// <summary>The router on its own, over a real fake upstream: which tiers it skips, why, and in what order it tries the rest.</summary>
public sealed class MessageRouterTests : IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ccr-router-" + Guid.NewGuid().ToString("N"));
    private readonly FakeUpstreamServer _upstream = FakeUpstreamServer.Start();

    [Fact]
    public async Task FailingTiers_AreTriedInTierOrder_ThenTheNextServes()
    {
        _upstream.Script("a", FakeReply.ServerError(500));
        _upstream.Script("b", FakeReply.ServerError(503));
        _upstream.Script("c", FakeReply.Text("from c"));
        await using RouterEngine engine = Engine(Config());
        var sink = new RecordingSink();

        RouteResult result = await engine.Router.RouteAsync(Request(), sink, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("c", result.Model);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(new[] { "a", "b", "c" }, _upstream.Requests.Select(r => r.Model).ToArray());
        Assert.Contains("from c", sink.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CoolingDownTier_IsSkippedAsCooldown_AndNotCalled()
    {
        _upstream.ScriptDefault(FakeReply.Text("ok"));
        await using RouterEngine engine = Engine(Config());
        engine.Health.CoolDown("pa,a", TimeSpan.FromMinutes(5), "test");

        await AssertSkippedAsync(engine, "pa,a", SkipReason.Cooldown, "skipped:cooldown");
    }

    [Fact]
    public async Task TierWithOpenCircuit_IsSkippedAsCircuitOpen()
    {
        _upstream.ScriptDefault(FakeReply.Text("ok"));
        await using RouterEngine engine = Engine(Config());
        for (int i = 0; i < 5; i++)
        {
            engine.Health.RecordFailure("pa,a", "test failure");
        }

        await AssertSkippedAsync(engine, "pa,a", SkipReason.CircuitOpen, "skipped:circuit_open");
    }

    [Fact]
    public async Task TierOutOfLocalQuota_IsSkippedAsQuota()
    {
        _upstream.ScriptDefault(FakeReply.Text("ok"));
        await using RouterEngine engine = Engine(Config(quotaOnA: true));
        engine.Quota.MarkExhausted(engine.Snapshot.Find("pa")!.Config, DateTimeOffset.UtcNow.AddHours(1));

        await AssertSkippedAsync(engine, "pa,a", SkipReason.Quota, "skipped:quota");
    }

    [Fact]
    public async Task TierWhoseKeyVariableIsUnset_IsSkippedAsKeyMissing()
    {
        _upstream.ScriptDefault(FakeReply.Text("ok"));
        await using RouterEngine engine = Engine(Config(keyOfA: "${CCR_TEST_UNSET_VARIABLE_7F3A}"));

        await AssertSkippedAsync(engine, "pa,a", SkipReason.KeyMissing, "skipped:key_missing");
    }

    [Fact]
    public async Task TargetWithoutAProvider_IsSkippedAsUnknownProvider()
    {
        await using RouterEngine engine = Engine(Config());
        var target = new PlannedTarget(new RouteTarget("nobody", "m"), 0, "tier-0", null);

        Assert.Equal(SkipReason.UnknownProvider, engine.Router.Check(target, out DateTimeOffset? until));
        Assert.Null(until);
        Assert.Equal("unknown_provider", MessageRouter.ReasonText(SkipReason.UnknownProvider));
    }

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task AssertSkippedAsync(RouterEngine engine, string key, SkipReason reason, string logged)
    {
        PlannedTarget skippedTarget = RouteResolver.Resolve(engine.Snapshot, Request().Facts, Request().Body.Span, null).Targets.First(t => t.Key == key);
        Assert.Equal(reason, engine.Router.Check(skippedTarget, out _));

        RouteResult result = await engine.Router.RouteAsync(Request(), new RecordingSink(), CancellationToken.None);

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("b", result.Model);
        Assert.Equal(0, _upstream.CountFor("a"));
        await engine.Log.DisposeAsync();
        string log = string.Concat(Directory.GetFiles(Path.Combine(_folder, "logs")).Select(File.ReadAllText));
        Assert.Contains(logged, log, StringComparison.Ordinal);
    }

    private string Config(bool quotaOnA = false, string keyOfA = "sk-test-a") =>
        $$"""
        {
          "Providers": [
            { "name": "pa", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "{{keyOfA}}", "models": ["a"]{{(quotaOnA ? ", \"quota\": { \"five_hour\": 1 }" : "")}} },
            { "name": "pb", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-test-b", "models": ["b"] },
            { "name": "pc", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-test-c", "models": ["c"] }
          ],
          "Router": { "default": "pa,a", "tiers": ["pa,a", "pb,b", "pc,c"], "tierRetries": { "tier-0": { "max_retries": 0 }, "tier-1": { "max_retries": 0 }, "tier-2": { "max_retries": 0 } } },
          "API_TIMEOUT_MS": 5000
        }
        """;

    private RouterEngine Engine(string json)
    {
        CcrConfig config = ConfigLoader.LoadFromText(json, null).Config ?? throw new InvalidOperationException("test config did not load");
        return new RouterEngine(config, new RouterEngineOptions { StateFolder = Path.Combine(_folder, "state"), LogFolder = Path.Combine(_folder, "logs") });
    }

    private static InboundRequest Request()
    {
        byte[] body = Encoding.UTF8.GetBytes("""{"model":"claude-sonnet-4-5","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}""");
        return new InboundRequest { Body = body, Facts = RequestFacts.Read(body), RequestId = "req_router_test" };
    }
}
