using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Config;

/// <summary>A provider on a plan host counts against the plan's windows by default; limits only when the config gives them.</summary>
public class PlanQuotaConfigTests
{
    private static QuotaConfig? QuotaOf(string baseUrl, string quota)
    {
        using var folder = new TempFolder();
        string json = """
            {
              "Providers": [ { "name": "p", "api_base_url": "{BASE}", "api_key": "${QWEN_API_KEY}", "models": ["m"]{QUOTA} } ],
              "Router": { "default": "p,m" }
            }
            """.Replace("{BASE}", baseUrl, StringComparison.Ordinal).Replace("{QUOTA}", quota, StringComparison.Ordinal);
        ConfigLoadResult result = TestLoad.Text(folder, json);
        Assert.True(result.Success, TestLoad.Dump(result));
        return result.Config!.Providers[0].Quota;
    }

    [Fact]
    public void CodingPlanHost_WithoutQuota_CountsWithTheLimitsUnknown()
    {
        QuotaConfig quota = QuotaOf("https://coding-intl.dashscope.aliyuncs.com/v1", "")!;

        Assert.True(quota.LimitsUnknown);
        Assert.Equal((null, null, null), (quota.FiveHourLimit, quota.WeeklyLimit, quota.MonthlyLimit));
        Assert.False(quota.RenewalDayGiven);
    }

    [Fact]
    public void CodingPlanHost_WithOnlyARenewalDay_StillHasTheLimitsUnknown()
    {
        QuotaConfig quota = QuotaOf("https://coding-intl.dashscope.aliyuncs.com/v1", ", \"quota\": { \"renewal_day\": 15 }")!;

        Assert.True(quota.LimitsUnknown);
        Assert.True(quota.RenewalDayGiven);
        Assert.Equal(15, quota.RenewalDay);
    }

    [Theory]
    [InlineData(", \"quota\": { \"plan\": \"lite\" }", 1200, 9000, 18000)]
    [InlineData(", \"quota\": { \"plan\": \"pro\" }", 6000, 45000, 90000)]
    [InlineData(", \"quota\": { \"five_hour\": 100 }", 100, null, null)]
    public void CodingPlanHost_WithAPlanOrLimits_KnowsTheLimits(string block, int? fiveHour, int? weekly, int? monthly)
    {
        QuotaConfig quota = QuotaOf("https://coding-intl.dashscope.aliyuncs.com/v1", block)!;

        Assert.False(quota.LimitsUnknown);
        Assert.Equal((fiveHour, weekly, monthly), (quota.FiveHourLimit, quota.WeeklyLimit, quota.MonthlyLimit));
    }

    [Fact]
    public void CodingPlanHost_WithQuotaNull_OptsOutOfCounting()
    {
        Assert.Null(QuotaOf("https://coding-intl.dashscope.aliyuncs.com/v1", ", \"quota\": null"));
    }

    [Fact]
    public void OtherHost_WithoutQuota_HasNone()
    {
        Assert.Null(QuotaOf("https://api.deepseek.com/v1", ""));
    }
}
