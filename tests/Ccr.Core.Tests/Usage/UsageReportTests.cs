using Ccr.Core.Config;
using Ccr.Core.Quota;
using Ccr.Core.Usage;

namespace Ccr.Core.Tests.Usage;

/// <summary>Rows, cost from pricing and model_pricing, subscriptions, groupings and forecasts.</summary>
public sealed class UsageReportTests
{
    private static readonly DateTimeOffset s_now = new(2026, 3, 2, 12, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Cost_ComesFromModelPricing_ElseFromThePricingOfTheProvider()
    {
        CcrConfig config = Load("""
            {
              "Providers": [
                { "name": "ds", "api_base_url": "https://api.example.com/v1", "api_key": "sk-1", "models": ["chat", "reasoner"],
                  "pricing": { "input_per_million_tokens": 1.0, "output_per_million_tokens": 2.0 },
                  "model_pricing": { "reasoner": { "input_per_million_tokens": 4.0, "output_per_million_tokens": 8.0, "cache_read_per_million_tokens": 0.5 } } },
                { "name": "free", "api_base_url": "https://api.example.org/v1", "api_key": "sk-2", "models": ["m"] }
              ]
            }
            """);
        var buckets = new Dictionary<UsageBucketKey, UsageCounts>
        {
            [Key(0, "ds", "chat")] = new() { Requests = 1, InputTokens = 1_000_000, OutputTokens = 500_000, CacheReadTokens = 1_000_000 },
            [Key(0, "ds", "reasoner")] = new() { Requests = 1, InputTokens = 500_000, OutputTokens = 250_000, CacheReadTokens = 2_000_000 },
            [Key(0, "free", "m")] = new() { Requests = 3, InputTokens = 10 },
        };

        UsageReport report = Build(config, buckets, UsageGrouping.ProviderModel);

        // chat: 1 + 1 + 1 (cache reads at the input price when not given); reasoner: 2 + 2 + 1.
        Assert.Equal(3.0, Row(report, "ds", "chat").CostUsd!.Value, 9);
        Assert.Equal(5.0, Row(report, "ds", "reasoner").CostUsd!.Value, 9);
        Assert.Null(Row(report, "free", "m").CostUsd);
        Assert.Equal(8.0, Build(config, buckets, UsageGrouping.Provider).Rows.Single(r => r.Provider == "ds").CostUsd!.Value, 9);
    }

    [Fact]
    public void PriceWithoutItsOutputRate_IsAnErrorAtItsPath()
    {
        ConfigLoadResult result = ConfigLoader.LoadFromText("""
            {
              "Providers": [
                { "name": "ds", "api_base_url": "https://api.example.com/v1", "api_key": "sk-1", "models": ["chat"],
                  "model_pricing": { "chat": { "input_per_million_tokens": 1.0 } } }
              ]
            }
            """, null);

        ConfigDiagnostic error = Assert.Single(result.Errors);
        Assert.Equal("PricingIncomplete", error.Code);
        Assert.Equal("$.Providers[0].model_pricing.chat", error.JsonPath);
        Assert.Contains("output_per_million_tokens", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SubscriptionProvider_ShowsRequests_AndNoCost()
    {
        CcrConfig config = Load("""
            {
              "Providers": [
                { "name": "qwen", "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "sk-sp-1234567890abcdef", "models": ["qwen3-coder-plus"],
                  "pricing": { "input_per_million_tokens": 1.0, "output_per_million_tokens": 2.0 } }
              ]
            }
            """);
        Assert.True(config.Providers[0].Subscription);
        var buckets = new Dictionary<UsageBucketKey, UsageCounts> { [Key(0, "qwen", "qwen3-coder-plus")] = new() { Requests = 17, InputTokens = 5000 } };

        UsageRow row = Assert.Single(Build(config, buckets, UsageGrouping.ProviderModel).Rows);

        Assert.Equal(17, row.Counts.Requests);
        Assert.True(row.Subscription);
        Assert.Null(row.CostUsd);
    }

    [Fact]
    public void ByDay_CutsRowsAtUtcMidnight()
    {
        CcrConfig config = Load("""{ "Providers": [ { "name": "p", "api_base_url": "https://api.example.com/v1", "api_key": "sk-1", "models": ["m"] } ] }""");
        var buckets = new Dictionary<UsageBucketKey, UsageCounts>
        {
            [Key(-13, "p", "m")] = new() { Requests = 1 },
            [Key(-12, "p", "m")] = new() { Requests = 2 },
            [Key(-1, "p", "m")] = new() { Requests = 4 },
        };

        UsageReport report = Build(config, buckets, UsageGrouping.Day);

        Assert.Equal(2, report.Rows.Count);
        Assert.Equal((1L, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero)), (report.Rows[0].Counts.Requests, report.Rows[0].From));
        Assert.Equal((6L, new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero)), (report.Rows[1].Counts.Requests, report.Rows[1].From));
        Assert.Equal(report.Rows[1].From.AddDays(1), report.Rows[1].To);
    }

    [Fact]
    public void Report_RoundTripsThroughItsJson()
    {
        CcrConfig config = Load("""{ "Providers": [ { "name": "p", "api_base_url": "https://api.example.com/v1", "api_key": "sk-1", "models": ["m"], "pricing": { "input_per_million_tokens": 1, "output_per_million_tokens": 1 } } ] }""");
        var buckets = new Dictionary<UsageBucketKey, UsageCounts> { [Key(0, "p", "m")] = new() { Requests = 2, InputTokens = 3, OutputTokens = 4, CacheReadTokens = 5, CacheWriteTokens = 6, Errors = 1, Fallbacks = 1 } };
        UsageReport report = Build(config, buckets, UsageGrouping.Hour);

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            report.Write(writer);
        }

        UsageReport parsed = UsageReport.Parse(buffer.WrittenSpan);
        Assert.Equal(report.Rows.Single(), parsed.Rows.Single());
        Assert.Equal(UsageGrouping.Hour, parsed.By);
    }

    [Fact]
    public void Forecast_IsWhenTheLastHoursPaceReachesTheLimit_OrNoneBeforeTheReset()
    {
        DateTimeOffset resets = s_now.AddHours(10);
        Assert.Equal(s_now.AddHours(2), UsageQuotaWindow.Forecast(used: 800, limit: 1000, perHour: 100, s_now, resets));
        Assert.Null(UsageQuotaWindow.Forecast(used: 100, limit: 1000, perHour: 50, s_now, resets));
        Assert.Null(UsageQuotaWindow.Forecast(used: 100, limit: null, perHour: 50, s_now, resets));
        Assert.Equal(s_now, UsageQuotaWindow.Forecast(used: 1000, limit: 1000, perHour: 0, s_now, resets));
    }

    [Fact]
    public void QuotaProvider_GetsItsWindows_WithThePaceOfTheLastHour()
    {
        CcrConfig config = Load("""{ "Providers": [ { "name": "q", "api_base_url": "https://api.example.com/v1", "api_key": "sk-1", "models": ["m"], "quota": { "five_hour": 100 } } ] }""");
        var buckets = new Dictionary<UsageBucketKey, UsageCounts>
        {
            [Key(0, "q", "m")] = new() { Requests = 30 },
            [Key(-1, "q", "m")] = new() { Requests = 20 },
        };
        var windows = new[]
        {
            new QuotaWindowSnapshot(QuotaTracker.FiveHourWindow, 100, 50, 50, s_now.AddHours(4)),
            new QuotaWindowSnapshot(QuotaTracker.WeeklyWindow, null, 50, null, s_now.AddDays(3)),
        };

        UsageReport report = UsageReport.Build(config, (from, to) => Filter(buckets, from, to), _ => new QuotaSnapshot("q", windows, null), s_now.AddDays(-1), s_now, UsageGrouping.ProviderModel, s_now);

        UsageQuotaWindow five = report.Quota.Single(w => w.Window == QuotaTracker.FiveHourWindow);
        Assert.Equal(40, five.PerHour, 9); // all 30 of this hour and half of the previous hour's 20
        Assert.Equal(s_now.AddHours(50.0 / 40), five.RunsOutAt);
        Assert.Null(report.Quota.Single(w => w.Window == QuotaTracker.WeeklyWindow).Limit);
    }

    private static UsageReport Build(CcrConfig config, Dictionary<UsageBucketKey, UsageCounts> buckets, UsageGrouping by) =>
        UsageReport.Build(config, (from, to) => Filter(buckets, from, to), null, s_now.AddDays(-1), s_now, by, s_now);

    private static Dictionary<UsageBucketKey, UsageCounts> Filter(Dictionary<UsageBucketKey, UsageCounts> buckets, long from, long to) =>
        buckets.Where(b => b.Key.Hour >= from && b.Key.Hour < to).ToDictionary(b => b.Key, b => b.Value);

    private static UsageBucketKey Key(int hoursFromNow, string provider, string model) =>
        new(UsageBucketKey.HourOf(s_now) + hoursFromNow, new UsageKey(provider, model, ""));

    private static UsageRow Row(UsageReport report, string provider, string model) =>
        report.Rows.Single(r => r.Provider == provider && r.Model == model);

    private static CcrConfig Load(string json) =>
        ConfigLoader.LoadFromText(json, null).Config ?? throw new InvalidOperationException("test config did not load");
}
