using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;

namespace Ccr.Core.Tests.Routing;

/// <summary>How a custom router's choice is put in front of Ccr's own plan.</summary>
public class CustomChoicePlanTests
{
    private static readonly RouteTarget s_glm = new("zai", "glm-5");
    private static readonly RouteTarget s_qwen = new("qwen", "qwen3-coder-plus");
    private static readonly RouteTarget s_deepseek = new("deepseek", "deepseek-reasoner");

    private static ConfigSnapshot Snapshot(RouterConfig router) => new(new CcrConfig
    {
        SourcePath = "test.json",
        Providers = new[] { Provider("zai", "glm-5"), Provider("qwen", "qwen3-coder-plus"), Provider("deepseek", "deepseek-reasoner") },
        Router = router,
    });

    private static ProviderConfig Provider(string name, string model) => new()
    {
        Name = name,
        ApiBaseUrl = "http://127.0.0.1:1/v1",
        Endpoint = new Uri("http://127.0.0.1:1/v1/chat/completions"),
        ApiKey = "sk-test",
        Models = new[] { model },
    };

    private static RoutePlan Resolve(ConfigSnapshot snapshot, string body)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        return RouteResolver.Resolve(snapshot, RequestFacts.Read(bytes), bytes, null);
    }

    [Fact]
    public void Choice_GoesFirst_ThenCcrsOwnPlanWithoutRepeats()
    {
        ConfigSnapshot snapshot = Snapshot(new RouterConfig { Default = s_qwen, Tiers = new[] { s_glm, s_qwen, s_deepseek } });
        RoutePlan plan = Resolve(snapshot, """{"model":"claude-sonnet-4","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""");

        RoutePlan custom = RouteResolver.WithCustomChoice(snapshot, plan, s_deepseek, null);

        Assert.Equal(RouteSource.Custom, custom.Source);
        Assert.Equal("custom", RoutePlan.SourceName(custom.Source));
        Assert.Equal(new[] { "deepseek,deepseek-reasoner", "qwen,qwen3-coder-plus", "zai,glm-5" }, custom.Targets.Select(t => t.Key).ToArray());
        Assert.Equal(2, custom.Targets[0].TierIndex);
        Assert.Null(custom.Preset);
    }

    [Fact]
    public void TokenEstimate_IsCarriedFromLongContextRouting_AndUnknownWithoutIt()
    {
        ConfigSnapshot withLong = Snapshot(new RouterConfig { Default = s_qwen, LongContext = s_glm, LongContextThreshold = 100_000 });
        ConfigSnapshot without = Snapshot(new RouterConfig { Default = s_qwen });
        const string Body = """{"model":"claude-sonnet-4","max_tokens":5,"messages":[{"role":"user","content":"hello there"}]}""";

        RoutePlan counted = Resolve(withLong, Body);
        RoutePlan notCounted = Resolve(without, Body);

        Assert.True(counted.TokenEstimate > 0);
        Assert.Equal(counted.TokenEstimate, RouteResolver.WithCustomChoice(withLong, counted, s_deepseek, null).TokenEstimate);
        Assert.Equal(-1, notCounted.TokenEstimate);
    }
}
