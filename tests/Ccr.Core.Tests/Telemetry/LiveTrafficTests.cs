using Ccr.Core.Telemetry;

namespace Ccr.Core.Tests.Telemetry;

/// <summary>The dashboard's in-memory figures: log-bucket percentiles, the per-second ring, the last decisions.</summary>
public class LiveTrafficTests
{
    [Fact]
    public void Histogram_ReadsPercentiles_ToOneBucket()
    {
        var histogram = new RollingHistogram();
        for (int i = 1; i <= 100; i++)
        {
            histogram.Record(i, minute: 1000);
        }

        (double? p50, double? p95, long samples) = histogram.Percentiles(1000);

        Assert.Equal(100, samples);
        Assert.InRange(p50!.Value, 50, 50 * 1.2);
        Assert.InRange(p95!.Value, 95, 95 * 1.2);
    }

    [Fact]
    public void Histogram_ForgetsMinutesThatLeftTheRing()
    {
        var histogram = new RollingHistogram();
        histogram.Record(1000, minute: 10);
        histogram.Record(5, minute: 10 + RollingHistogram.SlotCount);

        (double? p50, double? p95, long samples) = histogram.Percentiles(10 + RollingHistogram.SlotCount);

        Assert.Equal(1, samples);
        Assert.Equal(p50, p95);
        Assert.InRange(p95!.Value, 5, 6);
        Assert.Equal((null, null, 0L), histogram.Percentiles(100));
    }

    [Fact]
    public void TrafficRing_KeepsEachSecond_AndDropsSecondsOlderThanItsCapacity()
    {
        var ring = new TrafficRing();
        ring.Record(5000, failed: false);
        ring.Record(5000, failed: true);
        ring.Record(5002, failed: false);

        (long[] requests, long[] errors) = ring.Read(5002);
        Assert.Equal(2, requests[^3]);
        Assert.Equal(1, errors[^3]);
        Assert.Equal(1, requests[^1]);

        ring.Record(5000 + TrafficRing.Capacity, failed: false); // reuses second 5000's slot

        (requests, errors) = ring.Read(5000 + TrafficRing.Capacity);
        Assert.Equal(1, requests[^1]);
        Assert.Equal(0, errors[^1]);
        Assert.Equal(2, requests.Sum());
    }

    [Fact]
    public void RecentDecisions_KeepTheLastAttemptsAndResults_NewestFirst_WithoutBodies()
    {
        var recent = new RecentDecisions();
        recent.Add(new DecisionLogEntry { Event = "route", Provider = "p" });
        recent.Add(new DecisionLogEntry { Event = "attempt", Outcome = "skipped:cooldown", Provider = "p" });
        for (int i = 0; i < RecentDecisions.Capacity + 3; i++)
        {
            recent.Add(new DecisionLogEntry { Event = "attempt", Attempt = i, Body = "secret prompt" });
        }

        DecisionLogEntry[] kept = recent.Snapshot();

        Assert.Equal(RecentDecisions.Capacity, kept.Length);
        Assert.Equal(RecentDecisions.Capacity + 2, kept[0].Attempt);
        Assert.Equal(3, kept[^1].Attempt);
        Assert.All(kept, e => Assert.Null(e.Body));
        Assert.DoesNotContain(kept, e => e.Provider == "p");
    }
}
