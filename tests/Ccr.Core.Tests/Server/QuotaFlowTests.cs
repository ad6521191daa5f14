using System.Net;
using System.Text.Json.Nodes;
using Ccr.Core.Quota;
using Ccr.Core.Server;
using FakeUpstream;
using Microsoft.Extensions.Time.Testing;

namespace Ccr.Core.Tests.Server;

/// <summary>
/// Upstream quota errors end to end: the provider's own message takes it out until the reset of the window it names,
/// with or without a <c>quota</c> block, and a Coding Plan provider counts its requests with the limits unknown.
/// Coding Plan providers keep their real host and reach the fake upstream through PROXY_URL.
/// </summary>
public class QuotaFlowTests
{
    private static readonly TimeSpan s_utc8 = TimeSpan.FromHours(8);

    private const string Ask = """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""";

    // {BASE} is the plan provider's api_base_url, {QUOTA} what follows its models.
    private const string PlanConfig = """
        {
          "Providers": [
            { "name": "plan", "api_base_url": "{BASE}", "api_key": "sk-sp-test-key-plan-1234", "models": ["plan-model"], "tier_name": "ccr-plan"{QUOTA} },
            { "name": "backup", "api_base_url": "{OPENAI}", "api_key": "sk-backup-key-5678", "models": ["backup-model"], "tier_name": "ccr-backup" }
          ],
          "Router": { "default": "plan,plan-model", "tiers": ["plan,plan-model", "backup,backup-model"] },
          "PROXY_URL": "{OPENAI}",
          "API_TIMEOUT_MS": 5000
        }
        """;

    private const string DashScopeOpenAI = "http://coding-intl.dashscope.aliyuncs.com/v1";
    private const string DashScopeAnthropic = "http://coding-intl.dashscope.aliyuncs.com/apps/anthropic";
    private const string ZaiCoding = "http://api.z.ai/api/coding/paas/v4";

    private static string OpenAIQuota(string message) =>
        """{"error":{"message":"{M}","type":"Throttling.AllocationQuota","code":"Throttling.AllocationQuota"}}""".Replace("{M}", message, StringComparison.Ordinal);

    private static string AnthropicQuota(string message) =>
        """{"type":"error","error":{"type":"rate_limit_error","message":"{M}"}}""".Replace("{M}", message, StringComparison.Ordinal);

    public static TheoryData<string, string> Shapes => new()
    {
        { DashScopeOpenAI, "openai" },
        { DashScopeAnthropic, "anthropic" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task WeekAllocatedQuotaExceeded_TakesTheProviderOutUntilMonday0000Utc8(string baseUrl, string shape)
    {
        // Sunday 23:00 UTC+8: the week ends in an hour.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 23, 0, 0, s_utc8));
        await using ProxyFixture f = await StartAsync(baseUrl, "", time, QuotaReply(shape, "week allocated quota exceeded"));
        var monday = new DateTimeOffset(2026, 12, 7, 0, 0, 0, s_utc8);

        await AskAndExpectBackupAsync(f);
        TierStatus tier = (await TiersAsync(f))[0];
        Assert.Equal(TierAvailability.QuotaExhausted, tier.State);
        Assert.Equal(monday, tier.Until);
        Assert.Equal("Weekly", tier.QuotaWindow);

        time.SetUtcNow(monday.AddSeconds(-1));
        await AskAndExpectBackupAsync(f);
        Assert.Equal(1, f.Upstream.CountFor("plan-model"));

        time.SetUtcNow(monday.AddSeconds(1));
        await AskAndExpectBackupAsync(f);
        Assert.Equal(2, f.Upstream.CountFor("plan-model"));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task MonthAllocatedQuotaExceeded_TakesTheProviderOutUntilTheRenewalDay(string baseUrl, string shape)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 14, 22, 0, 0, s_utc8));
        await using ProxyFixture f = await StartAsync(baseUrl, ", \"quota\": { \"renewal_day\": 15 }", time, QuotaReply(shape, "month allocated quota exceeded"));
        var renewal = new DateTimeOffset(2026, 12, 15, 0, 0, 0, s_utc8);

        await AskAndExpectBackupAsync(f);
        TierStatus tier = (await TiersAsync(f))[0];
        Assert.Equal(TierAvailability.QuotaExhausted, tier.State);
        Assert.Equal(renewal, tier.Until);
        Assert.Equal("Monthly", tier.QuotaWindow);

        time.SetUtcNow(renewal.AddSeconds(-1));
        await AskAndExpectBackupAsync(f);
        Assert.Equal(1, f.Upstream.CountFor("plan-model"));

        time.SetUtcNow(renewal.AddSeconds(1));
        await AskAndExpectBackupAsync(f);
        Assert.Equal(2, f.Upstream.CountFor("plan-model"));
    }

    [Fact]
    public async Task MonthAllocatedQuotaExceeded_WithoutARenewalDay_IsOutForAMonth()
    {
        var now = new DateTimeOffset(2026, 12, 14, 22, 0, 0, s_utc8);
        var time = new FakeTimeProvider(now);
        await using ProxyFixture f = await StartAsync(DashScopeOpenAI, "", time, QuotaReply("openai", "month allocated quota exceeded"));

        await AskAndExpectBackupAsync(f);

        TierStatus tier = (await TiersAsync(f))[0];
        Assert.Equal(TierAvailability.QuotaExhausted, tier.State);
        Assert.Equal(now.AddMonths(1), tier.Until);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task HourAllocatedQuotaExceeded_WithNoEarlierCounts_IsOutForFiveHours(string baseUrl, string shape)
    {
        var now = new DateTimeOffset(2026, 12, 8, 10, 0, 0, s_utc8);
        var time = new FakeTimeProvider(now);
        await using ProxyFixture f = await StartAsync(baseUrl, "", time, QuotaReply(shape, "hour allocated quota exceeded"));

        await AskAndExpectBackupAsync(f);
        TierStatus tier = (await TiersAsync(f))[0];
        Assert.Equal(TierAvailability.QuotaExhausted, tier.State);
        Assert.Equal(now.AddHours(5), tier.Until);
        Assert.Equal("FiveHour", tier.QuotaWindow);

        time.SetUtcNow(now.AddHours(5).AddSeconds(1));
        await AskAndExpectBackupAsync(f);
        Assert.Equal(2, f.Upstream.CountFor("plan-model"));
    }

    [Fact]
    public async Task HourAllocatedQuotaExceeded_WithEarlierCounts_IsOutUntilTheOldestLeavesTheWindow()
    {
        var first = new DateTimeOffset(2026, 12, 8, 10, 0, 30, s_utc8);
        var time = new FakeTimeProvider(first);
        await using ProxyFixture f = await StartAsync(DashScopeOpenAI, "", time);
        f.Upstream.Script("plan-model", FakeReply.Text("from plan"), FakeReply.Status(429, OpenAIQuota("hour allocated quota exceeded")));

        (HttpResponseMessage ok, JsonNode answered) = await f.PostJsonAsync("/v1/messages", Ask);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("from plan", (string?)answered["content"]![0]!["text"]);

        time.SetUtcNow(first.AddHours(2));
        await AskAndExpectBackupAsync(f);

        TierStatus tier = (await TiersAsync(f))[0];
        Assert.Equal(TierAvailability.QuotaExhausted, tier.State);
        Assert.Equal(QuotaCalendar.RollOff(QuotaCalendar.MinuteOf(first)), tier.Until);
        Assert.True(tier.Until < first.AddHours(2).AddHours(5));
    }

    [Theory]
    [InlineData(429, "Usage limit reached for 5 hour. Your limit will reset at 2026-12-06 18:00:00", "FiveHour")]
    [InlineData(200, "Weekly/Monthly Limit Exhausted. Your limit will reset at 2026-12-06 18:00:00", "Weekly")]
    public async Task ZaiQuotaCode_TakesTheProviderOutUntilTheResetItStates(int status, string message, string window)
    {
        string code = window == "FiveHour" ? "1308" : "1310";
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 14, 0, 0, s_utc8));
        await using ProxyFixture f = await StartAsync(ZaiCoding, "", time,
            FakeReply.Status(status, """{"error":{"code":"{C}","message":"{M}"}}""".Replace("{C}", code, StringComparison.Ordinal).Replace("{M}", message, StringComparison.Ordinal)));
        var reset = new DateTimeOffset(2026, 12, 6, 18, 0, 0, s_utc8);

        await AskAndExpectBackupAsync(f);
        TierStatus tier = (await TiersAsync(f))[0];
        Assert.Equal(TierAvailability.QuotaExhausted, tier.State);
        Assert.Equal(reset, tier.Until);
        Assert.Equal(window, tier.QuotaWindow);

        time.SetUtcNow(reset.AddSeconds(-1));
        await AskAndExpectBackupAsync(f);
        Assert.Equal(1, f.Upstream.CountFor("plan-model"));

        time.SetUtcNow(reset.AddSeconds(1));
        await AskAndExpectBackupAsync(f);
        Assert.Equal(2, f.Upstream.CountFor("plan-model"));
    }

    [Fact]
    public async Task QuotaError_WithoutAQuotaBlock_SendsTheNextRequestStraightToTheNextTier()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig, u =>
        {
            u.Script("qwen3-coder-plus", FakeReply.QuotaExceeded());
            u.Script("backup-model", FakeReply.Text("from backup"));
        });

        (_, JsonNode first) = await f.PostJsonAsync("/v1/messages", Ask);
        (_, JsonNode second) = await f.PostJsonAsync("/v1/messages", Ask);

        Assert.Equal("from backup", (string?)first["content"]![0]!["text"]);
        Assert.Equal("from backup", (string?)second["content"]![0]!["text"]);
        Assert.Equal(1, f.Upstream.CountFor("qwen3-coder-plus"));

        // The skip line says why and until when.
        JsonNode skip = SkipLine(await f.ReadLogAsync("skipped:quota"));
        Assert.Equal("qwen", (string?)skip["provider"]);
        Assert.Equal("upstream said the quota is used up", (string?)skip["reason"]);
        Assert.True(DateTimeOffset.Parse((string)skip["until"]!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task QuotaSkip_LogLineNamesTheWindowAndTheReset()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 23, 0, 0, s_utc8));
        await using ProxyFixture f = await StartAsync(DashScopeOpenAI, "", time, QuotaReply("openai", "week allocated quota exceeded"));

        await AskAndExpectBackupAsync(f);
        await AskAndExpectBackupAsync(f);

        JsonNode skip = SkipLine(await f.ReadLogAsync("skipped:quota"));
        Assert.Equal("ccr-plan", (string?)skip["tier_name"]);
        Assert.Equal("upstream said the Weekly window is used up", (string?)skip["reason"]);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 0, 0, 0, s_utc8), DateTimeOffset.Parse((string)skip["until"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task CodingPlanProvider_WithoutQuota_CountsRequestsWithTheLimitsUnknown()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 8, 10, 0, 0, s_utc8));
        await using ProxyFixture f = await StartAsync(DashScopeOpenAI, "", time, FakeReply.Text("from plan"));

        for (int i = 0; i < 3; i++)
        {
            (HttpResponseMessage response, _) = await f.PostJsonAsync("/v1/messages", Ask);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        TierStatus tier = (await TiersAsync(f))[0];
        Assert.Equal(TierAvailability.Ready, tier.State);
        Assert.Equal(["FiveHour", "Weekly", "Monthly"], tier.Quota.Select(w => w.Name));
        Assert.All(tier.Quota, w =>
        {
            Assert.Equal(3, w.Used);
            Assert.Null(w.Limit);
            Assert.Null(w.Left);
            Assert.True(w.LimitUnknown);
        });

        // The backup tier is on no plan: nothing is shown for it.
        Assert.Empty((await TiersAsync(f))[1].Quota);
    }

    [Fact]
    public async Task CodingPlanProvider_WithQuotaPlan_EnforcesThePlansLimits()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 8, 10, 0, 0, s_utc8));
        await using ProxyFixture f = await StartAsync(DashScopeOpenAI, ", \"quota\": { \"plan\": \"pro\" }", time, FakeReply.Text("from plan"));

        (HttpResponseMessage response, _) = await f.PostJsonAsync("/v1/messages", Ask);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        TierStatus tier = (await TiersAsync(f))[0];
        Assert.Equal([6000, 45000, 90000], tier.Quota.Select(w => w.Limit ?? 0));
        Assert.All(tier.Quota, w => Assert.False(w.LimitUnknown));
        Assert.Equal(5999, tier.Quota[0].Left);
    }

    private static FakeReply QuotaReply(string shape, string message) =>
        FakeReply.Status(429, shape == "anthropic" ? AnthropicQuota(message) : OpenAIQuota(message));

    private static async Task<ProxyFixture> StartAsync(string baseUrl, string quota, TimeProvider time, FakeReply? planReply = null)
    {
        string config = PlanConfig.Replace("{BASE}", baseUrl, StringComparison.Ordinal).Replace("{QUOTA}", quota, StringComparison.Ordinal);
        return await ProxyFixture.StartAsync(config, u =>
        {
            if (planReply is not null)
            {
                u.Script("plan-model", planReply);
            }

            u.Script("backup-model", FakeReply.Text("from backup"));
        }, time);
    }

    private static async Task AskAndExpectBackupAsync(ProxyFixture f)
    {
        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/messages", Ask);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("from backup", (string?)body["content"]![0]!["text"]);
    }

    private static async Task<IReadOnlyList<TierStatus>> TiersAsync(ProxyFixture f) =>
        TierStatusReport.Parse(await f.Client.GetByteArrayAsync("/ccr/tiers"));

    private static JsonNode SkipLine(string log)
    {
        foreach (string line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Contains("skipped:quota", StringComparison.Ordinal))
            {
                return JsonNode.Parse(line)!;
            }
        }

        throw new Xunit.Sdk.XunitException("No skipped:quota line in the log:\n" + log);
    }
}
