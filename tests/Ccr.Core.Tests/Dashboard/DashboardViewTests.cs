using Ccr.Core.Dashboard;
using Ccr.Core.Quota;
using Ccr.Core.Server;
using Ccr.Core.Telemetry;
using Spectre.Console.Testing;

namespace Ccr.Core.Tests.Dashboard;

/// <summary>Frames drawn into Spectre's test console at the smallest supported size and at a large one.</summary>
public class DashboardViewTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    public static TheoryData<int, int> Sizes => new() { { 80, 24 }, { 160, 45 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Frame_ShowsEveryTier_InPriorityOrder_WithItsState(int width, int height)
    {
        string[] lines = Draw(Snapshot(), width, height);
        string text = string.Join("\n", lines);

        int[] rows = new[] { "qwen3-coder-plus", "glm-5", "MiniMax-M2.5", "deepseek-reasoner", "kimi-k2" }.Select(model => Index(lines, model)).ToArray();
        Assert.All(rows, row => Assert.True(row >= 0, text));
        Assert.Equal(rows.Order().ToArray(), rows);
        Assert.Contains("Ready", lines[rows[0]], StringComparison.Ordinal);
        Assert.Contains("CoolingDown", lines[rows[1]], StringComparison.Ordinal);
        Assert.Contains(width >= 110 ? "until 10:02:30" : "2m30s", lines[rows[1]], StringComparison.Ordinal);
        Assert.Contains("CircuitOpen", lines[rows[2]], StringComparison.Ordinal);
        Assert.Contains("QuotaExhausted", lines[rows[3]], StringComparison.Ordinal);
        Assert.Contains("KeyMissing", lines[rows[4]], StringComparison.Ordinal);

        // Requests, errors, p50/p95 and time to first token of the serving tier.
        Assert.Matches(@"\b1,204\s+7\s+850ms\s+2\.4s\s+310ms", lines[rows[0]]);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Frame_DrawsABar_PerQuotaWindow_WithUsedLimitResetAndForecast(int width, int height)
    {
        string[] lines = Draw(Snapshot(), width, height);
        string text = string.Join("\n", lines);

        string fiveHour = Line(lines, "qwen 5h", text);
        Assert.Contains("900/1,200", fiveHour, StringComparison.Ordinal);
        Assert.Contains("█", fiveHour, StringComparison.Ordinal);
        Assert.Contains("resets 1h30m", fiveHour, StringComparison.Ordinal);
        Assert.Contains("runs out in 1h00m", fiveHour, StringComparison.Ordinal);

        string weekly = Line(lines, "qwen weekly", text);
        Assert.Contains("9,000/9,000", weekly, StringComparison.Ordinal);
        Assert.Contains("used up", weekly, StringComparison.Ordinal);

        string monthly = Line(lines, "qwen monthly", text);
        Assert.Contains("2,100/?", monthly, StringComparison.Ordinal);
        Assert.Contains("limit unknown", monthly, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Frame_ShowsTraffic_AndRecentDecisions_WithTheFallbackMarked(int width, int height)
    {
        string[] lines = Draw(Snapshot(), width, height);
        string text = string.Join("\n", lines);

        Assert.Contains("5m 150", Line(lines, "req/s", text), StringComparison.Ordinal);
        Assert.Contains("streams 2", Line(lines, "req/s", text), StringComparison.Ordinal);
        Assert.Contains("5m 3", Line(lines, "errors ", text), StringComparison.Ordinal);
        Assert.Matches("[▁▂▃▄▅▆▇█]", Line(lines, "req/s", text));

        string fallback = Line(lines, "↪ fallback", text);
        Assert.Contains("default", fallback, StringComparison.Ordinal);
        Assert.Contains("429", fallback, StringComparison.Ordinal);
        Assert.Contains("ok", Line(lines, "1.9s", text), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Frame_FitsTheTerminal_WithoutWrappingAnyLine(int width, int height)
    {
        string[] lines = Draw(Snapshot(), width, height);

        Assert.True(lines.Length <= height - 1, lines.Length + " lines:\n" + string.Join("\n", lines));
        Assert.All(lines, line => Assert.True(line.Length <= width, line));
    }

    [Theory]
    [InlineData(40, 10)]
    [InlineData(60, 6)]
    [InlineData(200, 3)]
    public void TinyTerminal_StillDrawsTheHeaderAndTiers_WithinItsWidth(int width, int height)
    {
        string[] lines = Draw(Snapshot(), width, height);

        Assert.Contains("Ccr", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("Tiers", StringComparison.Ordinal));
        Assert.All(lines, line => Assert.True(line.Length <= width, line));
        Assert.DoesNotContain(lines, l => l.Contains("Recent routing decisions", StringComparison.Ordinal));
    }

    [Fact]
    public void WideFrame_AddsTierNames_AndTheModelOfEachDecision()
    {
        string text = string.Join("\n", Draw(Snapshot(), 160, 45));

        Assert.Contains("ccr-qwen", text, StringComparison.Ordinal);
        Assert.Contains("tier_name", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ProxyGone_KeepsTheLastFigures_AndSaysItIsWaiting()
    {
        DashboardSnapshot gone = Snapshot() with { Health = null, Problem = "No Ccr proxy answers on 127.0.0.1:3456; waiting for it to come back." };

        string text = string.Join("\n", Draw(gone, 80, 24));

        Assert.Contains("not answering", text, StringComparison.Ordinal);
        Assert.Contains("waiting for it", text, StringComparison.Ordinal);
        Assert.Contains("qwen3-coder-plus", text, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainSnapshot_HasNoEscapeSequences_AndAllSections()
    {
        string text = DashboardView.RenderText(Snapshot(), 120, TimeZoneInfo.Utc, unicode: false);

        Assert.DoesNotContain("\u001b", text, StringComparison.Ordinal);
        Assert.Contains("Tiers", text, StringComparison.Ordinal);
        Assert.Contains("Quota", text, StringComparison.Ordinal);
        Assert.Contains("Traffic", text, StringComparison.Ordinal);
        Assert.Contains("Recent routing decisions", text, StringComparison.Ordinal);
        Assert.Contains("> fallback", text, StringComparison.Ordinal);
        Assert.Contains("#", text, StringComparison.Ordinal);
    }

    private static string[] Draw(DashboardSnapshot snapshot, int width, int height)
    {
        using var console = new TestConsole();
        console.Width(width).Height(height);
        console.Profile.Capabilities.Unicode = true;
        console.Write(DashboardView.Render(snapshot, width, height, unicode: true, TimeZoneInfo.Utc));
        return console.Output.TrimEnd('\n').Split('\n').Select(l => l.TrimEnd()).ToArray();
    }

    private static int Index(string[] lines, string text) => Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));

    private static string Line(string[] lines, string text, string frame)
    {
        int index = Index(lines, text);
        Assert.True(index >= 0, "no line with '" + text + "' in:\n" + frame);
        return lines[index];
    }

    internal static DashboardSnapshot Snapshot()
    {
        var windows = new List<QuotaWindowSnapshot>
        {
            new("FiveHour", 1200, 900, 300, s_now.AddMinutes(90)),
            new("Weekly", 9000, 9000, 0, s_now.AddDays(2)),
            new("Monthly", null, 2100, null, s_now.AddDays(20), LimitUnknown: true),
        };
        TierStatus[] tiers =
        [
            new(0, "qwen", "qwen3-coder-plus", "ccr-qwen", TierAvailability.Ready, null, 1204, 7, null, null, windows),
            new(1, "zai", "glm-5", "ccr-glm", TierAvailability.CoolingDown, s_now.AddSeconds(150), 88, 12, "429", s_now, []),
            new(2, "minimax", "MiniMax-M2.5", "ccr-minimax", TierAvailability.CircuitOpen, s_now.AddSeconds(30), 40, 40, "503", s_now, []),
            new(3, "deepseek", "deepseek-reasoner", "ccr-deepseek", TierAvailability.QuotaExhausted, s_now.AddHours(3), 10, 1, null, null, [], "FiveHour"),
            new(4, "kimi", "kimi-k2", "ccr-kimi", TierAvailability.KeyMissing, null, 0, 0, null, null, []),
        ];
        var requests = new long[TrafficRing.Capacity];
        var errors = new long[TrafficRing.Capacity];
        for (int i = 0; i < 150; i++)
        {
            requests[100 + i] = 1;
        }

        errors[200] = errors[201] = errors[202] = 1;
        DecisionLogEntry[] decisions =
        [
            new() { Time = s_now.AddSeconds(-2), Event = "attempt", RouteSource = "default", Provider = "qwen", Model = "qwen3-coder-plus", TierIndex = 0, TierName = "ccr-qwen", Attempt = 0, Status = 200, Outcome = "ok", LatencyMs = 1900 },
            new() { Time = s_now.AddSeconds(-3), Event = "attempt", RouteSource = "default", Provider = "zai", Model = "glm-5", TierIndex = 1, TierName = "ccr-glm", Attempt = 0, Status = 429, Outcome = "fallback", LatencyMs = 120 },
            new() { Time = s_now.AddSeconds(-9), Event = "result", RouteSource = "think", Attempt = 2, Status = 529, Outcome = "error", LatencyMs = 120_500, ErrorType = "overloaded_error" },
        ];
        var live = new LiveReport(s_now, 3, 2, 5000,
        [
            new LiveTierStats(0, "qwen", "qwen3-coder-plus", 1204, 7, 850, 2400, 310, 900),
            new LiveTierStats(1, "zai", "glm-5", 88, 12, 120, 400, 90, 200),
        ], requests, errors, decisions);
        var quota = DashboardFeed.QuotaRows(tiers, new Ccr.Core.Usage.UsageReport(s_now.AddHours(-1), s_now, Ccr.Core.Usage.UsageGrouping.Provider, [],
        [
            new("qwen", "ccr-qwen", "FiveHour", 900, 1200, s_now.AddMinutes(90), null, 300),
        ]), s_now);
        var health = new ProxyHealth { Service = CcrInfo.ServiceName, Version = "1.0.0", Port = 3456, UptimeSeconds = 7380, RequestsServed = 5000, ActiveStreams = 2 };
        return new DashboardSnapshot(s_now, "127.0.0.1:3456", health, tiers, live, quota, null);
    }
}
