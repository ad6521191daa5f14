using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;

namespace Ccr.Core.Tests.Routing;

public class RouteResolverTests
{
    private static readonly RouteTarget s_glm = new("zai", "glm-5");
    private static readonly RouteTarget s_qwen = new("qwen", "qwen3-coder-plus");
    private static readonly RouteTarget s_deepseek = new("deepseek", "deepseek-reasoner");

    private static ConfigSnapshot Snapshot(RouterConfig router, IReadOnlyDictionary<string, PresetConfig>? presets = null) => new(new CcrConfig
    {
        SourcePath = "test.json",
        Providers = new[] { Provider("zai", "glm-5", "ccr-zai"), Provider("qwen", "qwen3-coder-plus", "ccr-qwen"), Provider("deepseek", "deepseek-reasoner", null) },
        Router = router,
        Presets = presets ?? new Dictionary<string, PresetConfig>(),
    });

    private static ProviderConfig Provider(string name, string model, string? tierName) => new()
    {
        Name = name,
        ApiBaseUrl = "http://127.0.0.1:1/v1",
        Endpoint = new Uri("http://127.0.0.1:1/v1/chat/completions"),
        ApiKey = "sk-test",
        Models = new[] { model },
        TierName = tierName,
    };

    private static RoutePlan Resolve(ConfigSnapshot snapshot, string body, string? preset = null)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        return RouteResolver.Resolve(snapshot, RequestFacts.Read(bytes), bytes, preset);
    }

    private static string[] Keys(RoutePlan plan) => plan.Targets.Select(t => t.Key).ToArray();

    [Fact]
    public void ExplicitRoute_GoesFirst_ThenTheRemainingTiersInOrder()
    {
        ConfigSnapshot snapshot = Snapshot(new RouterConfig { Tiers = new[] { s_glm, s_qwen, s_deepseek } });

        RoutePlan plan = Resolve(snapshot, """{"model":"qwen,qwen3-coder-plus","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(RouteSource.Explicit, plan.Source);
        Assert.Equal(new[] { "qwen,qwen3-coder-plus", "zai,glm-5", "deepseek,deepseek-reasoner" }, Keys(plan));
        Assert.Equal(1, plan.Targets[0].TierIndex);
        Assert.Equal("ccr-qwen", plan.Targets[0].TierName);
        Assert.Equal("tier-2", plan.Targets[2].TierName);
    }

    [Fact]
    public void ClaudeModelWithoutDefault_StartsAtTierZero()
    {
        ConfigSnapshot snapshot = Snapshot(new RouterConfig { Tiers = new[] { s_glm, s_qwen } });

        RoutePlan plan = Resolve(snapshot, """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(RouteSource.Tier0, plan.Source);
        Assert.Equal(new[] { "zai,glm-5", "qwen,qwen3-coder-plus" }, Keys(plan));
    }

    [Fact]
    public void Scenarios_PickBackgroundThinkAndWebSearchRoutes()
    {
        ConfigSnapshot snapshot = Snapshot(new RouterConfig
        {
            Default = s_glm,
            Background = s_qwen,
            Think = s_deepseek,
            WebSearch = s_qwen,
        });

        Assert.Equal(RouteSource.Background, Resolve(snapshot, """{"model":"claude-3-5-haiku-20241022","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""").Source);
        Assert.Equal(RouteSource.Think, Resolve(snapshot, """{"model":"claude-sonnet-4-5","max_tokens":5,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"hi"}]}""").Source);
        Assert.Equal(RouteSource.WebSearch, Resolve(snapshot, """{"model":"claude-sonnet-4-5","max_tokens":5,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"hi"}]}""").Source);
        Assert.Equal(RouteSource.Default, Resolve(snapshot, """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""").Source);
    }

    [Fact]
    public void LongContext_IsChosenAboveTheThreshold()
    {
        ConfigSnapshot snapshot = Snapshot(new RouterConfig { Default = s_glm, LongContext = s_qwen, LongContextThreshold = 1000 });
        RoutePlan plan = Resolve(snapshot, "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"" + string.Join(' ', Enumerable.Repeat("word", 4000)) + "\"}]}");
        RoutePlan small = Resolve(snapshot, """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(RouteSource.LongContext, plan.Source);
        Assert.Equal("qwen,qwen3-coder-plus", plan.Targets[0].Key);
        Assert.Equal(RouteSource.Default, small.Source);
    }

    [Fact]
    public void SubagentTag_RoutesToTheTaggedModel()
    {
        ConfigSnapshot snapshot = Snapshot(new RouterConfig { Default = s_glm });

        RoutePlan plan = Resolve(snapshot, """{"model":"claude-sonnet-4-5","max_tokens":5,"system":"<CCR-SUBAGENT-MODEL>deepseek,deepseek-reasoner</CCR-SUBAGENT-MODEL>You are a helper","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(RouteSource.Subagent, plan.Source);
        Assert.Equal("deepseek,deepseek-reasoner", plan.Targets[0].Key);
    }

    [Fact]
    public void Preset_UsesItsRoute()
    {
        var presets = new Dictionary<string, PresetConfig> { ["coding_qwen"] = new() { Name = "coding_qwen", Route = s_qwen, Temperature = 0.7 } };
        ConfigSnapshot snapshot = Snapshot(new RouterConfig { Default = s_glm, Tiers = new[] { s_glm } }, presets);

        RoutePlan plan = Resolve(snapshot, """{"messages":[{"role":"user","content":"hi"}]}""", "coding_qwen");

        Assert.Equal(RouteSource.Preset, plan.Source);
        Assert.Equal(0.7, plan.Preset!.Temperature);
        Assert.Equal(new[] { "qwen,qwen3-coder-plus", "zai,glm-5" }, Keys(plan));
    }

    [Fact]
    public void UnknownPresetOrProvider_IsAClearRoutingError()
    {
        ConfigSnapshot snapshot = Snapshot(new RouterConfig { Default = s_glm });

        RoutingException preset = Assert.Throws<RoutingException>(() => Resolve(snapshot, """{"messages":[{"role":"user","content":"hi"}]}""", "nope"));
        RoutingException provider = Assert.Throws<RoutingException>(() => Resolve(snapshot, """{"model":"openai,gpt-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(404, preset.Error.Status);
        Assert.Contains("Set-CcrPreset", preset.Error.Message, StringComparison.Ordinal);
        Assert.Equal(400, provider.Error.Status);
        Assert.Contains("zai, qwen, deepseek", provider.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TierNamingAnUndefinedProvider_IsPlannedWithoutAProvider()
    {
        ConfigSnapshot snapshot = Snapshot(new RouterConfig { Tiers = new[] { new RouteTarget("minimax", "MiniMax-M2.5"), s_qwen } });

        RoutePlan plan = Resolve(snapshot, """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Null(plan.Targets[0].Provider);
        Assert.NotNull(plan.Targets[1].Provider);
    }
}
