using System.Net;
using System.Text.Json.Nodes;
using Ccr.Core.Server;
using Ccr.Core.Usage;
using FakeUpstream;

namespace Ccr.Core.Tests.Server;

/// <summary><c>GET /ccr/usage</c> and the usage and quota series of <c>/metrics</c>, over real HTTP.</summary>
public class UsageEndpointTests
{
    private const string QuotaConfig = """
        {
          "Providers": [
            { "name": "qwen", "api_base_url": "{OPENAI}", "api_key": "sk-test-qwen-1234", "models": ["m"], "tier_name": "ccr-qwen",
              "quota": { "five_hour": 100 }, "pricing": { "input_per_million_tokens": 1000000, "output_per_million_tokens": 0 } }
          ],
          "Router": { "default": "qwen,m" },
          "APIKEY": "local-usage-key"
        }
        """;

    private const string Message = """{"model":"qwen,m","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""";

    [Fact]
    public async Task UsageEndpoint_ServesTheCountsAndCost_ToTheControlClientToo()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(QuotaConfig, u => u.Script("m", FakeReply.Text("ok", inputTokens: 12, outputTokens: 3)));
        await f.PostAsync("/v1/messages", Message, ("x-api-key", "local-usage-key"));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/ccr/usage?by=provider");
        request.Headers.Add("x-api-key", "local-usage-key");
        using HttpResponseMessage response = await f.Client.SendAsync(request);
        JsonNode body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("provider", (string?)body["by"]);
        JsonNode row = body["rows"]![0]!;
        Assert.Equal(("qwen", 1L, 12L, 3L), ((string?)row["provider"], (long)row["requests"]!, (long)row["input_tokens"]!, (long)row["output_tokens"]!));
        Assert.Equal(12.0, (double)row["cost_usd"]!, 6);
        Assert.Contains(body["quota"]!.AsArray(), w => (string?)w!["window"] == "FiveHour" && (long)w["used"]! == 1 && (long)w["limit"]! == 100);

        var client = new ProxyControlClient(f.Proxy.Port, "local-usage-key");
        ControlReply<UsageReport> reply = await client.GetUsageAsync(UsageQuery.Create(null, null, UsageGrouping.ProviderModel, DateTimeOffset.UtcNow));
        UsageRow parsed = Assert.Single(reply.Value!.Rows);
        Assert.Equal(("qwen", "m", "ccr-qwen", 1L), (parsed.Provider, parsed.Model, parsed.TierName, parsed.Counts.Requests));
    }

    [Fact]
    public async Task UsageEndpoint_IsAuthorizedLikeTheOthers_AndSaysWhatIsWrongWithAQuery()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(QuotaConfig);

        using HttpResponseMessage anonymous = await f.Client.GetAsync("/ccr/usage");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var bad = new HttpRequestMessage(HttpMethod.Get, "/ccr/usage?by=week");
        bad.Headers.Add("x-api-key", "local-usage-key");
        using HttpResponseMessage badResponse = await f.Client.SendAsync(bad);
        Assert.Equal(HttpStatusCode.BadRequest, badResponse.StatusCode);
        Assert.Contains("hour, day, provider, model", await badResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_CarryUsageCounters_AndQuotaWindowGauges()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(QuotaConfig, u => u.Script("m", FakeReply.Text("ok", inputTokens: 12, outputTokens: 3)));
        await f.PostAsync("/v1/messages", Message, ("x-api-key", "local-usage-key"));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("x-api-key", "local-usage-key");
        using HttpResponseMessage response = await f.Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();

        Assert.Contains("ccr_usage_requests_total{provider=\"qwen\",model=\"m\",tier_name=\"ccr-qwen\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("ccr_usage_tokens_total{provider=\"qwen\",model=\"m\",kind=\"output\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("ccr_quota_used{provider=\"qwen\",tier_name=\"ccr-qwen\",window=\"FiveHour\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("ccr_quota_limit{provider=\"qwen\",tier_name=\"ccr-qwen\",window=\"FiveHour\"} 100", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ccr_quota_limit{provider=\"qwen\",tier_name=\"ccr-qwen\",window=\"Weekly\"}", text, StringComparison.Ordinal);
        Assert.Contains("ccr_quota_resets_at_seconds{provider=\"qwen\",tier_name=\"ccr-qwen\",window=\"Weekly\"} ", text, StringComparison.Ordinal);
    }
}
