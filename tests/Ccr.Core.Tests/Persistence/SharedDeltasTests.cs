using Ccr.Core.Persistence;
using Ccr.Core.Quota;
using Ccr.Core.Usage;

namespace Ccr.Core.Tests.Persistence;

/// <summary>What waits for Redis in memory: taken whole as one batch, and bounded while Redis is away.</summary>
public class SharedDeltasTests
{
    [Fact]
    public void Seal_TakesEverythingOnce_AndKeepsTheLaterMark()
    {
        var deltas = new SharedDeltas();
        deltas.AddQuota("p", 100, 1, 1);
        deltas.AddQuota("p", 100, 2, 1);
        deltas.MarkExhausted("p", DateTimeOffset.UnixEpoch.AddHours(2), QuotaWindowKind.Weekly);
        deltas.MarkExhausted("p", DateTimeOffset.UnixEpoch.AddHours(1), QuotaWindowKind.FiveHour);
        Assert.True(deltas.HasMarks);

        SharedBatch batch = deltas.Seal()!;

        Assert.Equal(3, batch.Quota[("p", 100)]);
        Assert.Equal((DateTimeOffset.UnixEpoch.AddHours(2), QuotaWindowKind.Weekly), batch.Exhausted["p"]);
        Assert.Null(deltas.Seal());
        Assert.False(deltas.HasMarks);
    }

    [Fact]
    public void WhileRedisIsAway_PendingCountsAreBounded_AndTheDropIsReported()
    {
        var deltas = new SharedDeltas();
        for (int i = 0; i < SharedDeltas.MaxEntries + 10; i++)
        {
            deltas.AddUsage(new UsageBucketKey(i, new UsageKey("p", "m", "")), new UsageCounts { Requests = 1 });
        }

        Assert.Equal(10, deltas.TakeDropped());
        Assert.Equal(0, deltas.TakeDropped());
        Assert.Equal(SharedDeltas.MaxEntries, deltas.Seal()!.Usage.Count);
    }
}
