using Ccr.Core.Server;

namespace Ccr.Core.Tests.Server;

public class HotPathWarmupTests
{
    [Fact]
    public async Task Warmup_RunsEveryTranslatorOverItsSamplesWithoutError()
    {
        // The samples are built in; a translator that rejected one would throw here instead of silently warming nothing.
        int events = await HotPathWarmup.RunAsync(CancellationToken.None);

        // 40 rounds of a stream of 11 events (role, 8 deltas, finish with usage, [DONE]).
        Assert.Equal(40 * 11, events);
    }

    [Fact]
    public async Task Warmup_StopsWhenCancelled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        int events = await HotPathWarmup.RunAsync(cancelled.Token).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, events);
    }
}
