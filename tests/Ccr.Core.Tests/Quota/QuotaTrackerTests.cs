using Ccr.Core.Config;
using Ccr.Core.Quota;
using Ccr.Core.Routing;
using Ccr.Core.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Ccr.Core.Tests.Quota;

public sealed class QuotaTrackerTests : IDisposable
{
    private static readonly TimeSpan s_utc8 = TimeSpan.FromHours(8);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string StorePath => _folder.File(Path.Combine("state", "quota.json"));

    private static ProviderConfig Provider(int? fiveHour = null, int? weekly = null, int? monthly = null, int renewalDay = 1, string name = "qwen") => new()
    {
        Name = name,
        ApiBaseUrl = "https://coding-intl.dashscope.aliyuncs.com/v1",
        Endpoint = new Uri("https://coding-intl.dashscope.aliyuncs.com/v1/chat/completions"),
        Quota = new QuotaConfig { FiveHourLimit = fiveHour, WeeklyLimit = weekly, MonthlyLimit = monthly, RenewalDay = renewalDay },
    };

    private QuotaTracker Tracker(TimeProvider time, List<string>? warnings = null, TimeSpan? flushInterval = null) =>
        new(StorePath, time, warnings is null ? null : warnings.Add, flushInterval ?? TimeSpan.Zero);

    private static void Record(QuotaTracker tracker, ProviderConfig provider, int count)
    {
        for (int i = 0; i < count; i++)
        {
            tracker.RecordRequest(provider);
        }
    }

    [Fact]
    public void Weekly_ResetsAtMondayMidnightUtcPlus8()
    {
        // 2026-03-01 is a Sunday.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 23, 58, 0, s_utc8));
        using QuotaTracker tracker = Tracker(time);
        ProviderConfig qwen = Provider(weekly: 3);

        Record(tracker, qwen, 3);
        Assert.True(tracker.IsExhausted(qwen, out DateTimeOffset until));
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 0, 0, 0, s_utc8), until);

        time.Advance(TimeSpan.FromSeconds(119));
        Assert.True(tracker.IsExhausted(qwen, out _));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(tracker.IsExhausted(qwen, out _));
        QuotaWindowSnapshot weekly = tracker.Snapshot(qwen)[QuotaTracker.WeeklyWindow];
        Assert.Equal(0, weekly.Used);
        Assert.Equal(3, weekly.Left);
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 0, 0, 0, s_utc8), weekly.ResetsAt);
    }

    [Fact]
    public void Weekly_UsesUtcPlus8EvenWhenUtcIsStillSunday()
    {
        // Monday 00:30 UTC+8 is Sunday 16:30 UTC: the week has already turned.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 15, 0, 0, TimeSpan.Zero));
        using QuotaTracker tracker = Tracker(time);
        ProviderConfig qwen = Provider(weekly: 100);
        Record(tracker, qwen, 5);

        time.Advance(TimeSpan.FromHours(1.5));
        Assert.Equal(0, tracker.Snapshot(qwen)[QuotaTracker.WeeklyWindow].Used);
        Assert.Equal(5, tracker.Snapshot(qwen)[QuotaTracker.FiveHourWindow].Used);
    }

    [Fact]
    public void FiveHour_RollsOffFiveHoursAfterTheRequestsMinute()
    {
        var start = new DateTimeOffset(2026, 3, 4, 10, 0, 30, s_utc8);
        var time = new FakeTimeProvider(start);
        using QuotaTracker tracker = Tracker(time);
        ProviderConfig qwen = Provider(fiveHour: 2);

        tracker.RecordRequest(qwen);
        time.Advance(TimeSpan.FromHours(1));
        tracker.RecordRequest(qwen);

        Assert.True(tracker.IsExhausted(qwen, out DateTimeOffset until));
        DateTimeOffset firstRollsOff = new DateTimeOffset(2026, 3, 4, 15, 1, 0, s_utc8);
        Assert.Equal(firstRollsOff, until);

        time.SetUtcNow(firstRollsOff - TimeSpan.FromSeconds(1));
        Assert.True(tracker.IsExhausted(qwen, out _));
        Assert.Equal(2, tracker.Snapshot(qwen)[QuotaTracker.FiveHourWindow].Used);

        time.SetUtcNow(firstRollsOff);
        Assert.False(tracker.IsExhausted(qwen, out _));
        QuotaWindowSnapshot window = tracker.Snapshot(qwen)[QuotaTracker.FiveHourWindow];
        Assert.Equal(1, window.Used);
        Assert.Equal(new DateTimeOffset(2026, 3, 4, 16, 1, 0, s_utc8), window.ResetsAt);

        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, tracker.Snapshot(qwen)[QuotaTracker.FiveHourWindow].Used);
    }

    [Fact]
    public void Monthly_RenewalDay31_ClampsToTheLastDayOfFebruary()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 2, 27, 12, 0, 0, s_utc8));
        using QuotaTracker tracker = Tracker(time);
        ProviderConfig qwen = Provider(monthly: 2, renewalDay: 31);

        Record(tracker, qwen, 2);
        Assert.True(tracker.IsExhausted(qwen, out DateTimeOffset until));
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 0, 0, 0, s_utc8), until);

        time.SetUtcNow(new DateTimeOffset(2026, 2, 28, 0, 0, 0, s_utc8));
        Assert.False(tracker.IsExhausted(qwen, out _));

        Record(tracker, qwen, 2);
        Assert.True(tracker.IsExhausted(qwen, out until));
        Assert.Equal(new DateTimeOffset(2026, 3, 31, 0, 0, 0, s_utc8), until);
    }

    [Theory]
    [InlineData(2026, 2, 15, 12, 15, 2026, 2, 15)]
    [InlineData(2026, 2, 14, 23, 15, 2026, 1, 15)]
    [InlineData(2026, 3, 30, 23, 31, 2026, 2, 28)]
    [InlineData(2024, 2, 29, 0, 31, 2024, 2, 29)]
    [InlineData(2026, 1, 5, 0, 31, 2025, 12, 31)]
    public void MonthStart_IsTheLatestRenewalAtOrBefore(int y, int m, int d, int h, int renewalDay, int ey, int em, int ed)
    {
        DateTimeOffset start = QuotaCalendar.MonthStart(new DateTimeOffset(y, m, d, h, 0, 0, s_utc8), renewalDay);
        Assert.Equal(new DateTimeOffset(ey, em, ed, 0, 0, 0, s_utc8), start);
    }

    [Fact]
    public void Exhaustion_LastsUntilEveryFullWindowHasReset()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 10, 0, 0, s_utc8));
        using QuotaTracker tracker = Tracker(time);
        ProviderConfig qwen = Provider(fiveHour: 2, weekly: 2);

        Record(tracker, qwen, 2);
        Assert.True(tracker.IsExhausted(qwen, out DateTimeOffset until));
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 0, 0, 0, s_utc8), until);

        time.Advance(TimeSpan.FromHours(6));
        Assert.True(tracker.IsExhausted(qwen, out _));
    }

    [Fact]
    public void NoQuota_IsNeverExhaustedByCounting()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 10, 0, 0, s_utc8));
        using QuotaTracker tracker = Tracker(time);
        ProviderConfig unlimited = Provider();

        Record(tracker, unlimited, 50);
        Assert.False(tracker.IsExhausted(unlimited, out _));
        QuotaSnapshot snapshot = tracker.Snapshot(unlimited);
        Assert.Equal(50, snapshot[QuotaTracker.MonthlyWindow].Used);
        Assert.Null(snapshot[QuotaTracker.MonthlyWindow].Left);
    }

    [Fact]
    public void MarkExhausted_WithATime_SkipsUntilThen()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 10, 0, 0, s_utc8));
        using QuotaTracker tracker = Tracker(time);
        ProviderConfig qwen = Provider(fiveHour: 1200, weekly: 9000, monthly: 18000);
        DateTimeOffset resetTime = time.GetUtcNow().AddMinutes(42);

        tracker.MarkExhausted(qwen, resetTime);
        Assert.True(tracker.IsExhausted(qwen, out DateTimeOffset until));
        Assert.Equal(resetTime, until);
        Assert.Equal(resetTime, tracker.Snapshot(qwen).ExhaustedUntil);

        time.Advance(TimeSpan.FromMinutes(42));
        Assert.False(tracker.IsExhausted(qwen, out _));
        Assert.Null(tracker.Snapshot(qwen).ExhaustedUntil);
    }

    [Fact]
    public void MarkExhausted_WithoutATime_WaitsForTheTightestWindowsReset()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 10, 0, 0, s_utc8));
        using QuotaTracker tracker = Tracker(time);
        ProviderConfig qwen = Provider(fiveHour: 1200, weekly: 9000, monthly: 18000);

        // The five-hour window has the smallest share left, so it frees first when its oldest request rolls off.
        Record(tracker, qwen, 5);
        time.Advance(TimeSpan.FromMinutes(10));
        tracker.MarkExhausted(qwen, until: null);

        Assert.True(tracker.IsExhausted(qwen, out DateTimeOffset until));
        Assert.Equal(new DateTimeOffset(2026, 3, 4, 15, 1, 0, s_utc8), until);
    }

    [Fact]
    public void MarkExhausted_WithoutQuotaOrCounts_BacksOffBriefly()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 10, 0, 0, s_utc8));
        using QuotaTracker tracker = Tracker(time);
        ProviderConfig other = Provider(name: "glm");
        tracker.MarkExhausted(other, until: null);

        Assert.True(tracker.IsExhausted(other, out DateTimeOffset until));
        Assert.Equal(time.GetUtcNow() + QuotaTracker.UnknownResetBackoff, until);
    }

    [Fact]
    public async Task Counts_SurviveARestart()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 10, 0, 0, s_utc8));
        ProviderConfig qwen = Provider(fiveHour: 1200, weekly: 9000, monthly: 18000);
        using (QuotaTracker first = Tracker(time))
        {
            Record(first, qwen, 3);
            first.MarkExhausted(qwen, time.GetUtcNow().AddHours(1));
        }

        using QuotaTracker second = Tracker(time);
        QuotaSnapshot snapshot = second.Snapshot(qwen);
        Assert.Equal(3, snapshot[QuotaTracker.FiveHourWindow].Used);
        Assert.Equal(3, snapshot[QuotaTracker.WeeklyWindow].Used);
        Assert.Equal(3, snapshot[QuotaTracker.MonthlyWindow].Used);
        Assert.Equal(time.GetUtcNow().AddHours(1), snapshot.ExhaustedUntil);

        Record(second, qwen, 1);
        await second.FlushAsync(CancellationToken.None);
        using QuotaTracker third = Tracker(time);
        Assert.Equal(4, third.Snapshot(qwen)[QuotaTracker.WeeklyWindow].Used);
    }

    [Fact]
    public async Task TwoTrackersOnOneStore_AddUp()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 10, 0, 0, s_utc8));
        ProviderConfig qwen = Provider(fiveHour: 10);
        using QuotaTracker a = Tracker(time);
        using QuotaTracker b = Tracker(time);

        Record(a, qwen, 3);
        Record(b, qwen, 4);
        await a.FlushAsync(CancellationToken.None);
        await b.FlushAsync(CancellationToken.None);
        await a.FlushAsync(CancellationToken.None);

        Assert.Equal(7, a.Snapshot(qwen)[QuotaTracker.FiveHourWindow].Used);
        Assert.Equal(7, b.Snapshot(qwen)[QuotaTracker.FiveHourWindow].Used);

        // B's counts make A's provider exhausted without A counting them itself.
        Record(b, qwen, 3);
        await b.FlushAsync(CancellationToken.None);
        Assert.False(a.IsExhausted(qwen, out _));
        await a.FlushAsync(CancellationToken.None);
        Assert.True(a.IsExhausted(qwen, out _));
    }

    [Fact]
    public async Task TwoTrackersRecordingConcurrently_LoseNoCounts()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 10, 0, 0, s_utc8));
        ProviderConfig qwen = Provider();
        const int threadsPerTracker = 4;
        const int perThread = 2_000;

        using (QuotaTracker a = Tracker(time, flushInterval: TimeSpan.FromMilliseconds(5)))
        using (QuotaTracker b = Tracker(time, flushInterval: TimeSpan.FromMilliseconds(5)))
        {
            var workers = new List<Task>();
            foreach (QuotaTracker tracker in new[] { a, b })
            {
                for (int t = 0; t < threadsPerTracker; t++)
                {
                    workers.Add(Task.Run(() =>
                    {
                        for (int i = 0; i < perThread; i++)
                        {
                            tracker.RecordRequest(qwen);
                            if (i % 256 == 0)
                            {
                                tracker.IsExhausted(qwen, out _);
                            }
                        }
                    }));
                }
            }

            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        }

        using QuotaTracker reader = Tracker(time);
        QuotaSnapshot snapshot = reader.Snapshot(qwen);
        Assert.Equal(2 * threadsPerTracker * perThread, snapshot[QuotaTracker.FiveHourWindow].Used);
        Assert.Equal(2 * threadsPerTracker * perThread, snapshot[QuotaTracker.MonthlyWindow].Used);
    }

    [Fact]
    public async Task CorruptStore_IsMovedAsideAndRebuiltWithAWarning()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);
        await File.WriteAllTextAsync(StorePath, "{ \"providers\": { \"qwen\": [ not json");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 10, 0, 0, s_utc8));
        var warnings = new List<string>();
        ProviderConfig qwen = Provider(fiveHour: 1200);

        using (QuotaTracker tracker = Tracker(time, warnings))
        {
            Assert.Single(warnings);
            Assert.Contains("corrupt-", warnings[0], StringComparison.Ordinal);
            string aside = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(StorePath)!, "quota.json.corrupt-*"));
            Assert.Contains("not json", await File.ReadAllTextAsync(aside), StringComparison.Ordinal);

            Record(tracker, qwen, 2);
        }

        using QuotaTracker reopened = Tracker(time, warnings);
        Assert.Equal(2, reopened.Snapshot(qwen)[QuotaTracker.FiveHourWindow].Used);
        Assert.Single(warnings);
    }

    [Fact]
    public async Task StoreCorruptedWhileRunning_KeepsThisProcessesCounts()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 10, 0, 0, s_utc8));
        var warnings = new List<string>();
        ProviderConfig qwen = Provider(fiveHour: 1200);
        using QuotaTracker tracker = Tracker(time, warnings);
        Record(tracker, qwen, 3);
        await tracker.FlushAsync(CancellationToken.None);

        await File.WriteAllTextAsync(StorePath, "garbage");
        Record(tracker, qwen, 1);
        await tracker.FlushAsync(CancellationToken.None);

        Assert.Single(warnings);
        Assert.Equal(4, tracker.Snapshot(qwen)[QuotaTracker.FiveHourWindow].Used);
        using QuotaTracker reopened = Tracker(time);
        Assert.Equal(4, reopened.Snapshot(qwen)[QuotaTracker.FiveHourWindow].Used);
    }

    [Fact]
    public async Task HeldLock_KeepsCountsForTheNextFlush()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 10, 0, 0, s_utc8));
        var warnings = new List<string>();
        ProviderConfig qwen = Provider(fiveHour: 1200);
        using QuotaTracker tracker = Tracker(time, warnings);
        Record(tracker, qwen, 2);
        Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);

        using (new FileStream(StorePath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            await tracker.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        }

        Assert.Single(warnings);
        Assert.Equal(2, tracker.Snapshot(qwen)[QuotaTracker.FiveHourWindow].Used);
        await tracker.FlushAsync(CancellationToken.None);
        using QuotaTracker reopened = Tracker(time);
        Assert.Equal(2, reopened.Snapshot(qwen)[QuotaTracker.FiveHourWindow].Used);
    }
}
