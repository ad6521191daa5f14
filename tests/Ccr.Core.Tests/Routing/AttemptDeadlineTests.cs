using Ccr.Core.Routing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Ccr.Core.Tests.Routing;

public sealed class AttemptDeadlineTests
{
    [Fact]
    public void OnAFakeClock_FiresExactlyWhenItsTimeHasPassed()
    {
        var time = new FakeTimeProvider();
        using var deadline = new AttemptDeadline(time, TimeSpan.FromSeconds(3));

        time.Advance(TimeSpan.FromMilliseconds(2999));
        Assert.False(deadline.IsCancellationRequested);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(deadline.Token.IsCancellationRequested);
    }

    [Fact]
    public void Rearming_CountsTheNewTimeoutFromNow()
    {
        var time = new FakeTimeProvider();
        using var deadline = new AttemptDeadline(time, TimeSpan.FromSeconds(1));

        time.Advance(TimeSpan.FromMilliseconds(900));
        deadline.CancelAfter(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.False(deadline.IsCancellationRequested);

        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(deadline.IsCancellationRequested);
    }

    [Fact]
    public void OverACallersSource_IsNotArmedUntilAsked_AndLeavesTheSourceUndisposed()
    {
        var time = new FakeTimeProvider();
        using var source = new CancellationTokenSource();
        var deadline = new AttemptDeadline(source, time);

        time.Advance(TimeSpan.FromHours(1));
        Assert.False(source.IsCancellationRequested);

        deadline.CancelAfter(TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(source.IsCancellationRequested);

        deadline.Dispose();
        _ = source.Token.WaitHandle; // throws ObjectDisposedException if the deadline disposed the caller's source
    }

    [Fact]
    public void AfterDispose_ItNeverFires()
    {
        var time = new FakeTimeProvider();
        var deadline = new AttemptDeadline(time, TimeSpan.FromSeconds(1));
        CancellationToken token = deadline.Token;
        deadline.Dispose();

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(token.IsCancellationRequested);
    }

    [Fact]
    public async Task OnTheRealClock_AnUnstalledProcess_FiresAtItsDeadline()
    {
        using var deadline = new AttemptDeadline(TimeProvider.System, TimeSpan.FromMilliseconds(100));

        // Fires at all, and not early; how late depends on the machine, so only an outer bound that means "hung".
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(Timeout.Infinite, deadline.Token).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(deadline.IsCancellationRequested);
        Assert.True(started.ElapsedMilliseconds >= 90, "fired after " + started.ElapsedMilliseconds + " ms");
    }
}
