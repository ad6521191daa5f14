using System.Net;
using System.Text.Json.Nodes;
using Ccr.Core.Server;
using FakeUpstream;

namespace Ccr.Core.Tests.Server;

/// <summary>
/// A key that does not look like its host's kind (a standard key on a Coding Plan host) is a guess, not a refusal:
/// the proxy starts, the tier shows KeySuspect, the key is still sent, and a refusal is the usual auth failover.
/// </summary>
public sealed class KeySuspectFlowTests
{
    // The Coding Plan host is reached through PROXY_URL (the fake on loopback): the provider keeps its real host,
    // which is what the key rule is decided by.
    private const string Config = """
        {
          "Providers": [
            { "name": "qwen", "api_base_url": "http://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "sk-standard-key-0123456789", "models": ["qwen3-coder-plus"], "tier_name": "ccr-qwen" },
            { "name": "other", "api_base_url": "http://api.other.example/v1", "api_key": "sk-other-0123456789", "models": ["other-model"] }
          ],
          "Router": { "default": "qwen,qwen3-coder-plus", "tiers": ["qwen,qwen3-coder-plus", "other,other-model"], "tierRetries": { "tier-0": { "max_retries": 0 } } },
          "PROXY_URL": "{OPENAI}"
        }
        """;

    private const string Request = """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""";

    [Fact]
    public async Task CodingPlanHostWithAStandardKey_Starts_ShowsKeySuspect_AndStillSendsTheKey()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config, u => u.ScriptDefault(FakeReply.Text("from qwen")));

        JsonNode tiers = JsonNode.Parse(await f.Client.GetStringAsync("/ccr/tiers"))!;
        Assert.Equal("KeySuspect", (string?)tiers["tiers"]![0]!["state"]);
        Assert.Equal("Ready", (string?)tiers["tiers"]![1]!["state"]);

        using HttpResponseMessage response = await f.PostAsync("/v1/messages", Request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("qwen,qwen3-coder-plus", response.Headers.GetValues("x-ccr-route").Single());
        RecordedRequest sent = Assert.Single(f.Upstream.Requests);
        Assert.Equal("Bearer sk-standard-key-0123456789", sent.Headers["Authorization"]);
    }

    [Fact]
    public async Task SuspectKeyRefusedByTheHost_FallsToTheNextTierLikeAnyRefusedKey()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config, u =>
        {
            u.Script("qwen3-coder-plus", FakeReply.InvalidApiKey());
            u.Script("other-model", FakeReply.Text("from other"));
        });

        using HttpResponseMessage response = await f.PostAsync("/v1/messages", Request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("other,other-model", response.Headers.GetValues("x-ccr-route").Single());
        Assert.Equal(1, f.Upstream.CountFor("qwen3-coder-plus"));
        IReadOnlyList<TierStatus> live = TierStatusReport.Parse(await f.Client.GetByteArrayAsync("/ccr/tiers"));
        Assert.Equal(1, live[0].Failures);
    }
}
