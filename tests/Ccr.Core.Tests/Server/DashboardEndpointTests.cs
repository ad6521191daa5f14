using System.Net;
using System.Text.Json.Nodes;
using Ccr.Core.Server;
using Ccr.Core.Telemetry;
using FakeUpstream;

namespace Ccr.Core.Tests.Server;

/// <summary><c>GET /ccr/dashboard</c>, Watch-CcrProxy's feed, over real HTTP against the fake upstream.</summary>
public class DashboardEndpointTests
{
    private const string TwoTiers = """
        {
          "Providers": [
            { "name": "first", "api_base_url": "{OPENAI}", "api_key": "sk-first-1234", "models": ["first-model"], "tier_name": "ccr-first" },
            { "name": "second", "api_base_url": "{OPENAI}", "api_key": "sk-second-5678", "models": ["second-model"], "tier_name": "ccr-second" }
          ],
          "Router": { "default": "first,first-model", "tiers": ["first,first-model", "second,second-model"], "tierRetries": { "tier-0": { "max_retries": 0 } } },
          "APIKEY": "local-dash-key"
        }
        """;

    private const string Message = """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""";

    [Fact]
    public async Task Dashboard_CountsEachTiersAttempts_LatencyAndFirstByte_AndShowsTheFallbackInTheDecisions()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTiers, u =>
        {
            u.Script("first-model", FakeReply.ServerError(500));
            u.Script("second-model", FakeReply.SlowFirstByte(TimeSpan.FromMilliseconds(40), FakeReply.Text("ok")));
        });
        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage answer = await f.PostAsync("/v1/messages", Message, ("x-api-key", "local-dash-key"));
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        LiveReport live = await ReadWhenAsync(f, l => l.Requests.Sum() == 3);
        Assert.Equal(2, live.Tiers.Count);
        LiveTierStats first = live.Tiers[0];
        LiveTierStats second = live.Tiers[1];
        Assert.Equal(("first", "first-model", 3L, 3L), (first.Provider, first.Model, first.Attempts, first.Errors));
        Assert.Equal(("second", "second-model", 3L, 0L), (second.Provider, second.Model, second.Attempts, second.Errors));

        // The fake waits 40 ms (by Stopwatch time) before the first byte: both percentiles of both figures are at least that
        // (bucket bounds round up).
        Assert.True(second.FirstByteP50Ms >= 40, "first byte p50 " + second.FirstByteP50Ms);
        Assert.True(second.LatencyP95Ms >= second.FirstByteP50Ms, "latency p95 " + second.LatencyP95Ms);
        Assert.Equal(3, live.Requests.Sum());
        Assert.Equal(0, live.Errors.Sum());
        Assert.Equal(TrafficRing.Capacity, live.Requests.Length);

        Assert.Contains(live.Decisions, d => d.Provider == "first" && d.Outcome == "fallback" && d.Status == 500 && d.RouteSource == "default");
        Assert.Contains(live.Decisions, d => d.Provider == "second" && d.Outcome == "ok" && d.TierName == "ccr-second" && d.LatencyMs >= 40);
        Assert.DoesNotContain(live.Decisions, d => d.Event == "route");
        Assert.Equal("ok", live.Decisions[0].Outcome); // newest first: the last request's answer
    }

    [Fact]
    public async Task Dashboard_IsAuthorizedLikeTiers_AndAnswersOnlyGet()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTiers);

        using HttpResponseMessage anonymous = await f.Client.GetAsync("/ccr/dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using HttpResponseMessage tiersAnonymous = await f.Client.GetAsync("/ccr/tiers");
        Assert.Equal(tiersAnonymous.StatusCode, anonymous.StatusCode);

        using var post = new HttpRequestMessage(HttpMethod.Post, "/ccr/dashboard") { Content = new StringContent("{}") };
        post.Headers.Add("x-api-key", "local-dash-key");
        using HttpResponseMessage posted = await f.Client.SendAsync(post);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, posted.StatusCode);

        using var get = new HttpRequestMessage(HttpMethod.Get, "/ccr/dashboard");
        get.Headers.Add("Authorization", "Bearer local-dash-key");
        using HttpResponseMessage response = await f.Client.SendAsync(get);
        JsonNode body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0L, (long)body["tiers"]![0]!["attempts"]!);
        Assert.Null(body["tiers"]![0]!["latency_p50_ms"]);
        Assert.Empty(body["decisions"]!.AsArray());
    }

    [Fact]
    public async Task Dashboard_CountsAClientFacingError_InTheErrorsPerSecond()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTiers, u => u.ScriptDefault(FakeReply.ServerError(500)));

        using HttpResponseMessage answer = await f.PostAsync("/v1/messages", Message, ("x-api-key", "local-dash-key"));
        Assert.True((int)answer.StatusCode >= 500);

        LiveReport live = await ReadWhenAsync(f, l => l.Requests.Sum() == 1);
        Assert.Equal((1L, 1L), (live.Requests.Sum(), live.Errors.Sum()));
        Assert.Contains(live.Decisions, d => d.Event == "result" && d.Outcome == "error");
    }

    /// <summary>
    /// Reads the feed until <paramref name="ready"/> holds: a request is counted as its handler returns, which is just after
    /// its client has the answer, so the first read may come a moment early. Bounded generously; the last read is returned either way.
    /// </summary>
    private static async Task<LiveReport> ReadWhenAsync(ProxyFixture f, Func<LiveReport, bool> ready)
    {
        var client = new ProxyControlClient(f.Proxy.Port, "local-dash-key");
        LiveReport? live = null;
        for (int i = 0; i < 500; i++)
        {
            ControlReply<LiveReport> reply = await client.GetLiveAsync();
            live = Assert.IsType<LiveReport>(reply.Value);
            if (ready(live))
            {
                break;
            }

            await Task.Delay(20);
        }

        return live!;
    }
}
