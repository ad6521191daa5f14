using Ccr.Core.Tests.TestSupport;
using Ccr.Core.Usage;
using Microsoft.Extensions.Time.Testing;

namespace Ccr.Core.Tests.Usage;

/// <summary>The usage file: hourly buckets, pruned after 90 days, a corrupt file moved aside.</summary>
public sealed class UsageStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string StorePath => _folder.File(Path.Combine("state", "usage.json"));

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Buckets_AreHourly_AndDroppedOnceOlderThan90Days()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 10, 15, 0, TimeSpan.Zero));
        using var usage = new UsageRecorder(StorePath, time, flushInterval: TimeSpan.Zero);
        usage.Record("p", "m", null, new UsageCounts { Requests = 1 });
        time.Advance(TimeSpan.FromMinutes(50));
        usage.Record("p", "m", null, new UsageCounts { Requests = 1 });
        await usage.FlushAsync(CancellationToken.None);

        Dictionary<UsageBucketKey, UsageCounts> stored = UsageRecorder.ReadFile(StorePath, 0, long.MaxValue);
        Assert.Equal(2, stored.Count);
        long firstHour = UsageBucketKey.HourOf(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero));
        Assert.Equal(1, stored[new UsageBucketKey(firstHour, new UsageKey("p", "m", ""))].Requests);

        time.Advance(TimeSpan.FromDays(90) - TimeSpan.FromMinutes(60));
        usage.Record("p", "m", null, new UsageCounts { Requests = 5 });
        await usage.FlushAsync(CancellationToken.None);
        Assert.Equal(3, UsageRecorder.ReadFile(StorePath, 0, long.MaxValue).Count);

        time.Advance(TimeSpan.FromHours(2));
        usage.Record("p", "m", null, new UsageCounts { Requests = 7 });
        await usage.FlushAsync(CancellationToken.None);

        stored = UsageRecorder.ReadFile(StorePath, 0, long.MaxValue);
        Assert.DoesNotContain(stored.Keys, k => k.Hour == firstHour);
        Assert.Equal(12, stored.Values.Sum(c => c.Requests));
    }

    [Fact]
    public async Task CorruptStore_IsMovedAside_AndCountingGoesOn()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);
        await File.WriteAllTextAsync(StorePath, "{ this is not json");
        var warnings = new List<string>();
        using var usage = new UsageRecorder(StorePath, TimeProvider.System, warning: warnings.Add, flushInterval: TimeSpan.Zero);

        usage.Record("p", "m", "ccr-p", new UsageCounts { Requests = 2, OutputTokens = 9 });
        Assert.Equal(2, usage.Read(0, long.MaxValue).Values.Sum(c => c.Requests));
        await usage.FlushAsync(CancellationToken.None);

        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(StorePath)!, "usage.json.corrupt-*"));
        Assert.Contains(warnings, w => w.Contains("moved to", StringComparison.Ordinal));
        UsageCounts stored = Assert.Single(UsageRecorder.ReadFile(StorePath, 0, long.MaxValue)).Value;
        Assert.Equal(9, stored.OutputTokens);
    }

    [Fact]
    public void Prune_KeepsTheNewestBuckets_WhenMoreThanTheBound()
    {
        var map = new Dictionary<UsageBucketKey, UsageCounts>();
        var now = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        long hour = UsageBucketKey.HourOf(now);
        for (int i = 0; i < UsageStore.MaxBuckets + 10; i++)
        {
            map[new UsageBucketKey(hour - (i % 24), new UsageKey("p" + (i / 24).ToString(System.Globalization.CultureInfo.InvariantCulture), "m", ""))] = new UsageCounts { Requests = 1 };
        }

        UsageStore.Prune(map, now);

        Assert.Equal(UsageStore.MaxBuckets, map.Count);
        Assert.Contains(map.Keys, k => k.Hour == hour);
    }
}
