using Ccr.Core.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace Ccr.Core.Tests.Sessions;

public class SessionTrackerTests
{
    private static SessionAnswer Answer(string model) => new("p", model, "tier-0", false, DateTimeOffset.UnixEpoch);

    [Fact]
    public void PastCapacity_TheLeastRecentlyAnsweredSessionIsForgotten()
    {
        var tracker = new SessionTracker(new FakeTimeProvider(), capacity: 2);
        tracker.Record("a", Answer("m1"));
        tracker.Record("b", Answer("m2"));
        tracker.Record("a", Answer("m3"));   // a is now the most recent
        tracker.Record("c", Answer("m4"));   // b goes

        Assert.Equal(2, tracker.Count);
        Assert.Null(tracker.Find("b"));
        Assert.Equal("m3", tracker.Find("a")!.Model);
        Assert.Equal("m4", tracker.Find("c")!.Model);
    }

    [Fact]
    public void RequestsWithoutASession_AreNotRecorded()
    {
        var tracker = new SessionTracker(new FakeTimeProvider());
        tracker.Record(null, Answer("m"));

        Assert.Equal(0, tracker.Count);
        Assert.Null(tracker.Find(null));
    }

    [Fact]
    public void ManySessions_StayWithinTheDefaultBound()
    {
        var tracker = new SessionTracker(new FakeTimeProvider());
        for (int i = 0; i < SessionTracker.DefaultCapacity * 3; i++)
        {
            tracker.Record("session-" + i, Answer("m"));
        }

        Assert.Equal(SessionTracker.DefaultCapacity, tracker.Count);
        Assert.NotNull(tracker.Find("session-" + (SessionTracker.DefaultCapacity * 3 - 1)));
        Assert.Null(tracker.Find("session-0"));
    }
}
