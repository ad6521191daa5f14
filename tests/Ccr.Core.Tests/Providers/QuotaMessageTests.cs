using Ccr.Core.Providers;
using Ccr.Core.Quota;

namespace Ccr.Core.Tests.Providers;

/// <summary>Each family reads its own quota messages: which window ran out and, when the message says, when it resets.</summary>
public class QuotaMessageTests
{
    private static readonly TimeSpan s_utc8 = TimeSpan.FromHours(8);
    private static readonly ProviderFamily s_dashScope = ProviderFamilies.ForHost(new Uri("https://coding-intl.dashscope.aliyuncs.com/v1"));
    private static readonly ProviderFamily s_zai = ProviderFamilies.ForHost(new Uri("https://api.z.ai/api/coding/paas/v4"));

    [Theory]
    [InlineData("hour allocated quota exceeded", "FiveHour")]
    [InlineData("week allocated quota exceeded", "Weekly")]
    [InlineData("month allocated quota exceeded", "Monthly")]
    public void DashScope_ReadsTheWindowFromTheOpenAIEndpointsMessage(string message, string windowName)
    {
        QuotaWindowKind window = Enum.Parse<QuotaWindowKind>(windowName);
        UpstreamLimit limit = s_dashScope.ReadLimitMessage(new UpstreamErrorText(429, "Throttling.AllocationQuota", "Throttling.AllocationQuota", message));

        Assert.Equal(UpstreamLimit.QuotaOf(window), limit);
    }

    [Theory]
    [InlineData("hour allocated quota exceeded", "FiveHour")]
    [InlineData("Week allocated quota exceeded", "Weekly")]
    [InlineData("month allocated quota exceeded", "Monthly")]
    public void DashScope_ReadsTheWindowFromTheAnthropicEndpointsRateLimitError(string message, string windowName)
    {
        QuotaWindowKind window = Enum.Parse<QuotaWindowKind>(windowName);
        // The Anthropic endpoint types it rate_limit_error; the words still say a quota window ran out.
        UpstreamLimit limit = ProviderFamilies.ReadLimitMessage(new UpstreamErrorText(429, null, "rate_limit_error", message));

        Assert.Equal(UpstreamLimit.QuotaOf(window), limit);
    }

    [Fact]
    public void DashScope_ArrearageIsAQuotaWithNoWindow()
    {
        Assert.Equal(UpstreamLimit.Quota, s_dashScope.ReadLimitMessage(new UpstreamErrorText(400, "Arrearage", null, "Access denied, please make sure your account is in good standing.")));
    }

    [Theory]
    [InlineData("Throttling.RateQuota", "Requests rate limit exceeded, please try again later.")]
    [InlineData("Throttling.BurstRate", "Request rate increased too quickly, please try again later.")]
    [InlineData("Throttling", "Requests throttling triggered.")]
    public void DashScope_RateLimitCodes_AreARateLimit_EvenWhenTheCodeSaysQuota(string code, string message)
    {
        var error = new UpstreamErrorText(429, code, code, message);

        // Read by every family together, as the error mapper does: the generic wording sees "quota" in the code.
        Assert.Equal(UpstreamLimitKind.RateLimited, ProviderFamilies.ReadLimitMessage(error).Kind);
        Assert.Equal(UpstreamLimitKind.RateLimited, s_dashScope.ReadLimitMessage(error).Kind);
    }

    [Fact]
    public void DashScope_CountsOnlyCodingPlanHosts()
    {
        Assert.True(s_dashScope.CountsPlanQuota(new Uri("https://coding-intl.dashscope.aliyuncs.com/v1")));
        Assert.True(s_dashScope.CountsPlanQuota(new Uri("https://coding.dashscope.aliyuncs.com/apps/anthropic")));
        Assert.False(s_dashScope.CountsPlanQuota(new Uri("https://dashscope-intl.aliyuncs.com/compatible-mode/v1")));
    }

    [Theory]
    [InlineData("Usage limit reached for 5 hour. Your limit will reset at 2026-12-06 18:00:00")]
    [InlineData("已达到 5 小时的使用上限。您的限额将在 2026-12-06 18:00:00 重置。")]
    public void Zai_1308_IsTheFiveHourWindowUntilTheStatedUtc8Time(string message)
    {
        UpstreamLimit limit = s_zai.ReadLimitMessage(new UpstreamErrorText(429, "1308", null, message));

        Assert.Equal(UpstreamLimit.QuotaOf(QuotaWindowKind.FiveHour, new DateTimeOffset(2026, 12, 6, 18, 0, 0, s_utc8)), limit);
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero), limit.ResetsAt);
    }

    [Fact]
    public void Zai_1310_IsTheWeeklyWindowUntilTheStatedTime()
    {
        UpstreamLimit limit = ProviderFamilies.ReadLimitMessage(new UpstreamErrorText(0, "1310", null, "Weekly/Monthly Limit Exhausted. Your limit will reset at 2026-03-06 22:19:54"));

        Assert.Equal(UpstreamLimit.QuotaOf(QuotaWindowKind.Weekly, new DateTimeOffset(2026, 3, 6, 22, 19, 54, s_utc8)), limit);
    }

    [Fact]
    public void Zai_1308_WithoutAResetTime_StillNamesTheWindow()
    {
        Assert.Equal(UpstreamLimit.QuotaOf(QuotaWindowKind.FiveHour), s_zai.ReadLimitMessage(new UpstreamErrorText(429, "1308", null, "Usage limit reached for 5 hour.")));
    }

    [Fact]
    public void Zai_1113_IsAQuotaWithNoWindow()
    {
        Assert.Equal(UpstreamLimit.Quota, s_zai.ReadLimitMessage(new UpstreamErrorText(429, "1113", null, "Your account is in arrears, please recharge and try again")));
    }

    [Theory]
    [InlineData("1302", "High concurrency usage of this API, please reduce concurrency or contact customer service to increase limits")]
    [InlineData("1303", "High frequency usage of this API, please reduce frequency or contact customer service to increase limits")]
    public void Zai_ConcurrencyAndFrequencyCodes_AreRateLimitsNotQuota(string code, string message)
    {
        Assert.Equal(UpstreamLimit.RateLimited, s_zai.ReadLimitMessage(new UpstreamErrorText(429, code, null, message)));
    }

    [Fact]
    public void Zai_CodingEndpointDoesNotCountRequestsByDefault()
    {
        // Its plan meters credits, and its week runs from the subscription time, not Monday UTC+8.
        Assert.False(s_zai.CountsPlanQuota(new Uri("https://api.z.ai/api/coding/paas/v4")));
    }

    [Fact]
    public void Stronger_PrefersAReadingThatNamesTheWindowAndReset()
    {
        UpstreamLimit named = UpstreamLimit.QuotaOf(QuotaWindowKind.Weekly);
        UpstreamLimit dated = UpstreamLimit.QuotaOf(QuotaWindowKind.Weekly, DateTimeOffset.UnixEpoch);

        Assert.Equal(named, UpstreamLimit.Stronger(UpstreamLimit.Quota, named));
        Assert.Equal(named, UpstreamLimit.Stronger(named, UpstreamLimit.Quota));
        Assert.Equal(dated, UpstreamLimit.Stronger(named, dated));
        Assert.Equal(UpstreamLimit.Quota, UpstreamLimit.Stronger(UpstreamLimit.RateLimited, UpstreamLimit.Quota));
    }
}
