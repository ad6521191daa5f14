using System.Net.Http;
using System.Text.Json.Nodes;
using Ccr.Core.Config;
using Ccr.Core.Providers;

namespace Ccr.Core.Tests.Protocol;

public class ProviderProfileTests
{
    private static ProviderProfile For(string url, params string[] transformers) => ForProtocol(url, "openai", null, transformers);

    private static ProviderProfile ForProtocol(string url, string protocol, int? cap, params string[] transformers)
    {
        var names = new JsonArray();
        foreach (string t in transformers)
        {
            names.Add(t);
        }

        return ProviderProfile.For(ProtocolFixtures.Provider(new JsonObject { ["api_base_url"] = url, ["transformers"] = names, ["protocol"] = protocol, ["max_tokens_cap"] = cap }));
    }

    [Theory]
    [InlineData("https://coding-intl.dashscope.aliyuncs.com/v1", "dashscope")]
    [InlineData("https://dashscope.aliyuncs.com/compatible-mode/v1", "dashscope")]
    [InlineData("https://api.deepseek.com", "deepseek")]
    [InlineData("https://api.z.ai/api/paas/v4", "zai")]
    [InlineData("https://open.bigmodel.cn/api/paas/v4", "zai")]
    [InlineData("https://api.minimax.io/v1", "minimax")]
    [InlineData("https://openrouter.ai/api/v1", "openrouter")]
    [InlineData("http://127.0.0.1:8000/v1", "openai")]
    public void Host_SelectsProfile(string url, string expected) => Assert.Equal(expected, For(url).Name);

    [Theory]
    [InlineData("qwen", "dashscope")]
    [InlineData("dashscope", "dashscope")]
    [InlineData("deepseek", "deepseek")]
    [InlineData("glm", "zai")]
    [InlineData("zai", "zai")]
    [InlineData("minimax", "minimax")]
    [InlineData("openrouter", "openrouter")]
    public void TransformerName_SelectsProfileOnAnyHost(string name, string expected) => Assert.Equal(expected, For("https://gateway.example.com/v1", name).Name);

    [Fact]
    public void DashScope_DefaultsTheMaxTokensCap_ButConfigWins()
    {
        Assert.Equal(65536, For("https://coding-intl.dashscope.aliyuncs.com/v1").MaxTokensCap);
        Assert.Equal(8192, ForProtocol("https://coding-intl.dashscope.aliyuncs.com/v1", "openai", 8192).MaxTokensCap);
        Assert.Null(For("https://api.z.ai/api/paas/v4").MaxTokensCap);
    }

    [Fact]
    public void SeedConfig_AnthropicTransformerOnV1_IsKnownAndStaysOpenAI()
    {
        ProviderProfile p = For("https://coding-intl.dashscope.aliyuncs.com/v1", "anthropic");
        Assert.Empty(p.UnknownTransformers);
        Assert.Equal(WireProtocol.OpenAI, p.Protocol);
        Assert.Equal(ReasoningStyle.EnableThinkingFlag, p.Reasoning);
    }

    [Fact]
    public void CommonClaudeCodeRouterNames_AreAccepted_OthersReported()
    {
        ProviderProfile p = For("https://x.example.com/v1", "anthropic", "openai", "gemini", "tooluse", "enhancetool", "reasoning", "sampling", "cleancache",
            "customparams", "vertex-gemini", "groq", "streamoptions", "maxtoken", "frobnicate");
        Assert.Equal(new[] { "frobnicate" }, p.UnknownTransformers);
        Assert.True(p.StripCacheControl);
    }

    [Fact]
    public void DeepSeek_SendsReasoningBackAndMergesRoles()
    {
        ProviderProfile p = For("https://api.deepseek.com");
        Assert.True(p.SendReasoningContentBack);
        Assert.True(p.MergeConsecutiveRoles);
        Assert.Equal(8192, p.MaxTokensCapFor("deepseek-chat"));
        Assert.Null(p.MaxTokensCapFor("deepseek-reasoner"));
    }

    [Fact]
    public void OpenAIUpstream_UsesBearer()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("https://api.z.ai/api/paas/v4/chat/completions"));
        For("https://api.z.ai/api/paas/v4").ApplyAuth(request, "sk-k");
        Assert.Equal("Bearer sk-k", request.Headers.Authorization!.ToString());
        Assert.False(request.Headers.Contains("anthropic-version"));
    }

    [Fact]
    public void AnthropicUpstream_UsesXApiKeyAndDefaultsVersion_KeepingAClientVersion()
    {
        ProviderProfile official = ForProtocol("https://api.anthropic.com", "anthropic", null);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("https://api.anthropic.com/v1/messages"));
        official.ApplyAuth(request, "sk-ant-k");
        Assert.Equal("sk-ant-k", request.Headers.GetValues("x-api-key").Single());
        Assert.Null(request.Headers.Authorization);
        Assert.Equal("2023-06-01", request.Headers.GetValues("anthropic-version").Single());

        ProviderProfile zai = ForProtocol("https://api.z.ai/api/anthropic", "anthropic", null);
        using var second = new HttpRequestMessage(HttpMethod.Post, new Uri("https://api.z.ai/api/anthropic/v1/messages"));
        second.Headers.TryAddWithoutValidation("anthropic-version", "2024-01-01");
        zai.ApplyAuth(second, "k2");
        Assert.Equal("Bearer k2", second.Headers.Authorization!.ToString());
        Assert.Equal("k2", second.Headers.GetValues("x-api-key").Single());
        Assert.Equal("2024-01-01", second.Headers.GetValues("anthropic-version").Single());
    }

    [Fact]
    public void OpenRouter_AddsAttributionHeaders_ConfigHeadersOverride()
    {
        ProviderProfile p = ProviderProfile.For(ProtocolFixtures.Provider(new JsonObject
        {
            ["api_base_url"] = "https://openrouter.ai/api/v1",
            ["headers"] = new JsonObject { ["X-Title"] = "Mine" },
        }));
        Assert.Equal("Mine", p.ExtraHeaders["X-Title"]);
        Assert.True(p.ExtraHeaders.ContainsKey("HTTP-Referer"));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("https://openrouter.ai/api/v1/chat/completions"));
        p.ApplyExtraHeaders(request);
        Assert.Equal("Mine", request.Headers.GetValues("X-Title").Single());
    }
}
