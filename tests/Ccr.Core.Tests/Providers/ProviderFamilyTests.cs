using System.Text.Json;
using Ccr.Core.Config;
using Ccr.Core.Providers;

namespace Ccr.Core.Tests.Providers;

public class ProviderFamilyTests
{
    private static ProviderConfig Provider(string url, params string[] transformers) => new()
    {
        Name = "p",
        ApiBaseUrl = url,
        Endpoint = new Uri(url),
        Transformers = transformers,
    };

    [Theory]
    [InlineData("https://coding-intl.dashscope.aliyuncs.com/v1", "dashscope")]
    [InlineData("https://coding.dashscope.aliyuncs.com/v1", "dashscope")]
    [InlineData("https://dashscope.aliyuncs.com/compatible-mode/v1", "dashscope")]
    [InlineData("https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "dashscope")]
    [InlineData("https://api.deepseek.com", "deepseek")]
    [InlineData("https://api.z.ai/api/paas/v4", "zai")]
    [InlineData("https://z.ai/api", "zai")]
    [InlineData("https://open.bigmodel.cn/api/paas/v4", "zai")]
    [InlineData("https://api.minimax.io/v1", "minimax")]
    [InlineData("https://api.minimaxi.com/v1", "minimax")]
    [InlineData("https://openrouter.ai/api/v1", "openrouter")]
    [InlineData("HTTPS://API.DEEPSEEK.COM/v1", "deepseek")]
    public void EachFamily_IsMatchedByItsOwnHosts(string url, string family) =>
        Assert.Equal(family, ProviderFamilies.ForHost(new Uri(url)).Name);

    [Theory]
    [InlineData("https://notdashscope.example/v1")]
    [InlineData("https://dashscope.example.com/v1")]
    [InlineData("https://evil-dashscope.aliyuncs.com/v1")]
    [InlineData("https://dashscope.aliyuncs.com.evil.example/v1")]
    [InlineData("https://oss-cn-hangzhou.aliyuncs.com/v1")]
    [InlineData("https://notdeepseek.com/v1")]
    [InlineData("https://foobaz.ai/v1")]
    [InlineData("https://bigmodel.cn.example/v1")]
    [InlineData("https://myminimax.io/v1")]
    [InlineData("https://openrouter.ai.example/v1")]
    [InlineData("http://127.0.0.1:8000/v1")]
    [InlineData("https://api.example.com/v1")]
    public void LookAlikeAndUnknownHosts_FallBackToTheGenericFamily(string url)
    {
        ProviderFamily family = ProviderFamilies.ForHost(new Uri(url));
        Assert.Same(ProviderFamilies.Generic, family);
        Assert.Equal("openai", family.Name);
        Assert.Equal(ReasoningStyle.ReasoningEffort, family.Reasoning);
        Assert.Null(family.DefaultMaxTokensCap);
    }

    [Theory]
    [InlineData("qwen", "dashscope")]
    [InlineData("glm", "zai")]
    [InlineData("bigmodel", "zai")]
    [InlineData("openrouter", "openrouter")]
    public void TransformerNames_ChooseTheRequestFamily_ButNotTheHostFamily(string transformer, string family)
    {
        ProviderConfig provider = Provider("https://gateway.example.com/v1", transformer);
        Assert.Equal(family, ProviderFamilies.For(provider).Name);
        Assert.Same(ProviderFamilies.Generic, ProviderFamilies.ForHost(provider.Endpoint));
    }

    [Fact]
    public void CodingPlanHost_WithAStandardKey_IsAMismatchNamingTheProviderButNotTheKey()
    {
        ProviderKeyCheck check = ProviderFamilies.CheckKey("qwen", new Uri("https://coding-intl.dashscope.aliyuncs.com/v1"), "sk-standard0123456789", "sk-…6789");
        Assert.Equal(ProviderKeyVerdict.Mismatch, check.Verdict);
        Assert.Equal("CodingPlanKeyMismatch", check.Code);
        Assert.Contains("Provider 'qwen'", check.Message, StringComparison.Ordinal);
        Assert.Contains("sk-sp-", check.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-standard0123456789", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CodingPlanHost_WithThePlanKey_Fits()
    {
        ProviderKeyCheck check = ProviderFamilies.CheckKey("qwen", new Uri("https://coding-intl.dashscope.aliyuncs.com/v1"), "sk-sp-0123456789abcdef", "sk-sp-…cdef");
        Assert.Equal(ProviderKeyVerdict.Fits, check.Verdict);
        Assert.Null(check.Code);
        Assert.Contains("Coding Plan endpoint", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StandardHost_WithThePlanKey_IsAMismatchPointingAtThePlanHost()
    {
        ProviderKeyCheck check = ProviderFamilies.CheckKey("ds", new Uri("https://dashscope-intl.aliyuncs.com/compatible-mode/v1"), "sk-sp-0123456789abcdef", "sk-sp-…cdef");
        Assert.Equal(ProviderKeyVerdict.Mismatch, check.Verdict);
        Assert.Equal("StandardKeyMismatch", check.Code);
        Assert.Contains("https://coding-intl.dashscope.aliyuncs.com/v1", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanKeyOnAnotherFamilysHost_IsOnlyAWarning()
    {
        ProviderKeyCheck check = ProviderFamilies.CheckKey("zai", new Uri("https://api.z.ai/api/paas/v4"), "sk-sp-0123456789abcdef", "sk-sp-…cdef");
        Assert.Equal(ProviderKeyVerdict.Warning, check.Verdict);
        Assert.Contains("Coding Plan key", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OrdinaryKeyOnAGenericHost_Fits()
    {
        ProviderKeyCheck check = ProviderFamilies.CheckKey("local", new Uri("http://127.0.0.1:8000/v1"), "sk-0123456789abcdef", "sk-…cdef");
        Assert.Equal(ProviderKeyVerdict.Fits, check.Verdict);
        Assert.Equal("Key sk-…cdef fits 127.0.0.1.", check.Message);
    }

    [Fact]
    public void CodingPlanHosts_AreInteractiveOnly_StandardHostsAreNot()
    {
        var plan = new Uri("https://coding-intl.dashscope.aliyuncs.com/v1");
        var standard = new Uri("https://dashscope-intl.aliyuncs.com/compatible-mode/v1");
        Assert.True(ProviderFamilies.ForHost(plan).IsInteractiveOnly(plan));
        Assert.False(ProviderFamilies.ForHost(standard).IsInteractiveOnly(standard));
    }

    [Fact]
    public void AuthHint_NamesThePlanKeyOnDashScopeHosts_AndTheApiKeyElsewhere()
    {
        string dashScope = ProviderFamilies.ForHost(new Uri("https://dashscope-intl.aliyuncs.com/compatible-mode/v1")).AuthHint;
        Assert.Contains("sk-sp-", dashScope, StringComparison.Ordinal);
        Assert.Contains("coding-intl.dashscope.aliyuncs.com", dashScope, StringComparison.Ordinal);

        string lookAlike = ProviderFamilies.ForHost(new Uri("https://notdashscope.example/v1")).AuthHint;
        Assert.DoesNotContain("sk-sp-", lookAlike, StringComparison.Ordinal);
        Assert.Contains("api_key", lookAlike, StringComparison.Ordinal);
    }

    [Fact]
    public void CodingPlanEndpointPath_IsChecked_OtherHostsAreNot()
    {
        var wrong = new Uri("https://coding-intl.dashscope.aliyuncs.com/compatible-mode/chat/completions");
        Assert.Contains("not a Coding Plan API path", ProviderFamilies.ForHost(wrong).CheckEndpointPath(wrong), StringComparison.Ordinal);
        var right = new Uri("https://coding-intl.dashscope.aliyuncs.com/v1/chat/completions");
        Assert.Null(ProviderFamilies.ForHost(right).CheckEndpointPath(right));
        var other = new Uri("https://api.example.com/compatible-mode/chat/completions");
        Assert.Null(ProviderFamilies.ForHost(other).CheckEndpointPath(other));
    }

    [Fact]
    public void ZaiHosts_SendInformationalRateLimitHeaders()
    {
        Assert.True(ProviderFamilies.ForHost(new Uri("https://open.bigmodel.cn/api/paas/v4")).HasInformationalRateLimitHeaders);
        Assert.False(ProviderFamilies.ForHost(new Uri("https://api.deepseek.com")).HasInformationalRateLimitHeaders);
    }

    [Theory]
    [InlineData("""{"error":{"code":"1308","message":"Usage limit reached for 5 hour."}}""", "1308", "Usage limit reached for 5 hour.")]
    [InlineData("""{"base_resp":{"status_code":1008,"status_msg":"insufficient balance"}}""", "1008", "insufficient balance")]
    [InlineData("""{"code":"Arrearage","message":"Access denied"}""", "Arrearage", "Access denied")]
    public void EveryFamilysErrorShape_IsRead(string body, string code, string message)
    {
        using JsonDocument document = JsonDocument.Parse(body);
        ProviderErrorFields? fields = ProviderFamilies.ReadError(document.RootElement);
        Assert.NotNull(fields);
        Assert.Equal((code, message), (fields.Value.Code, fields.Value.Message));
    }

    [Theory]
    [InlineData(429, "Arrearage", "Access denied", "QuotaExceeded")]
    [InlineData(200, "1310", "Weekly/Monthly Limit Exhausted", "QuotaExceeded")]
    [InlineData(200, "1302", "High concurrency", "RateLimited")]
    [InlineData(429, null, "Too many requests, quota exceeded", "QuotaExceeded")]
    [InlineData(429, null, "Too many requests", "RateLimited")]
    [InlineData(500, null, "internal error", "None")]
    public void LimitMessages_AreReadWithEveryFamilysWords_QuotaOutrankingRateLimits(int status, string? code, string message, string expected) =>
        Assert.Equal(expected, ProviderFamilies.ReadLimitMessage(new UpstreamErrorText(status, code, null, message)).Kind.ToString());

    [Fact]
    public void KeyPrefixes_AreLongestFirst_AndIncludeEachFamilysOwn()
    {
        IReadOnlyList<string> prefixes = ProviderFamilies.KeyPrefixes;
        Assert.Contains("sk-sp-", prefixes);
        Assert.Contains("sk-or-v1-", prefixes);
        Assert.Equal("sk-", prefixes[^1]);
        for (int i = 1; i < prefixes.Count; i++)
        {
            Assert.True(prefixes[i - 1].Length >= prefixes[i].Length, prefixes[i - 1] + " before " + prefixes[i]);
        }
    }

    [Fact]
    public void EveryFamilyName_IsDistinct_AndGenericIsLast()
    {
        IReadOnlyList<ProviderFamily> all = ProviderFamilies.All;
        Assert.Equal(all.Count, all.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Same(ProviderFamilies.Generic, all[^1]);
    }
}
