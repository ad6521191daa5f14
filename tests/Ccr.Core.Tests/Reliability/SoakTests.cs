using System.Diagnostics;
using System.Globalization;
using System.Net;
using Ccr.Core.Tests.Server;
using FakeUpstream;

namespace Ccr.Core.Tests.Reliability;

/// <summary>
/// Steady mixed load with faults through one proxy for CCR_SOAK_SECONDS (30 in CI; the bench task's -Soak runs 600),
/// sampling managed heap, open file descriptors, threads and the proxy's active streams. After warm-up they must stay
/// flat, and no request may be lost. Heap, descriptors and threads are the whole test process's, so the soak runs alone
/// (its own collection, without parallelization): other test classes running beside it would move them.
/// </summary>
[Collection(SoakCollection.Name)]
public class SoakTests
{
    private const string Body = """{"model":"claude-sonnet-4-5","max_tokens":50,"messages":[{"role":"user","content":"Hello"}]}""";
    private const string StreamBody = """{"model":"claude-sonnet-4-5","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"Hello"}]}""";

    [Fact]
    public async Task Soak_MixedLoadWithFaults_KeepsMemoryHandlesAndThreadsFlat_AndLosesNothing()
    {
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("CCR_SOAK_SECONDS"), NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0 ? s : 30;
        var rng = new Random(6);
        await using ProxyFixture f = await ProxyFixture.StartAsync(ReliabilityConfigs.ThreeTiers(apiTimeoutMs: 2000), u => u.Handle(r =>
        {
            if (r.Model != "flaky-model")
            {
                return FakeReply.Stream(10, TimeSpan.FromMilliseconds(2));
            }

            int roll;
            lock (rng)
            {
                roll = rng.Next(100);
            }

            return roll < 20 ? FaultInjectionTests.FaultFor(roll, r) : FakeReply.Stream(10, TimeSpan.FromMilliseconds(2));
        }));
        f.Upstream.RecordRequests = false;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        long sent = 0;
        long lost = 0;
        var lostSamples = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var samples = new List<(double At, long Heap, int Fds, int Threads, long Streams)>();
        var clock = Stopwatch.StartNew();

        Task[] workers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                bool stream = (i + w) % 2 == 0;
                Interlocked.Increment(ref sent);
                try
                {
                    using HttpResponseMessage response = await f.PostAsync("/v1/messages", stream ? StreamBody : Body);
                    string text = await response.Content.ReadAsStringAsync();
                    bool ok = response.StatusCode == HttpStatusCode.OK && (stream ? text.Contains("event: message_stop", StringComparison.Ordinal) : text.Contains("\"type\":\"message\"", StringComparison.Ordinal));
                    if (!ok)
                    {
                        Interlocked.Increment(ref lost);
                        lostSamples.Enqueue((int)response.StatusCode + " " + text[..Math.Min(300, text.Length)]);
                    }
                }
                catch (HttpRequestException e)
                {
                    Interlocked.Increment(ref lost);
                    lostSamples.Enqueue(e.Message);
                }
            }
        })).ToArray();

        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, seconds / 30.0)));
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using Process self = Process.GetCurrentProcess();
            samples.Add((clock.Elapsed.TotalSeconds, GC.GetTotalMemory(false), OpenDescriptors(), self.Threads.Count, f.Proxy.ActiveStreams));
        }

        await Task.WhenAll(workers);

        // A client has its last byte a moment before the server's request ends and counts its stream closed; on a loaded
        // machine that moment can outlast a fixed sleep, so the wait is for the count (bounded), then a little settling.
        var settling = Stopwatch.StartNew();
        while (f.Proxy.ActiveStreams > 0 && settling.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(20);
        }

        await Task.Delay(500);
        int fdsAfter = OpenDescriptors();
        string table = string.Join("\n", samples.Select(x => $"{x.At:0.0}s heap={x.Heap / 1024}KiB fds={x.Fds} threads={x.Threads} streams={x.Streams}"));
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "ccr-soak-last.txt"), $"seconds={seconds} sent={sent} lost={lost}\n{table}\n");

        Assert.True(lost == 0, lost + " of " + sent + " lost, e.g. " + string.Join(" | ", lostSamples.Take(3)));
        Assert.True(sent > seconds * 10, "only " + sent + " requests in " + seconds + " s");
        Assert.Equal(0, f.Proxy.ActiveStreams);
        var settled = samples.Skip(samples.Count / 3).ToList();
        Assert.True(settled.Count >= 3, table);
        (double At, long Heap, int Fds, int Threads, long Streams) first = settled[0];
        long maxHeap = settled.Max(x => x.Heap);
        Assert.True(maxHeap < first.Heap * 2 + 32 * 1024 * 1024, "heap grew:\n" + table);
        if (first.Fds > 0)
        {
            Assert.True(settled.Max(x => x.Fds) < first.Fds + 200, "descriptors grew:\n" + table);
            Assert.True(fdsAfter < first.Fds + 100, "descriptors left open after the load: " + fdsAfter + "\n" + table);
        }

        Assert.True(settled.Max(x => x.Threads) < first.Threads + 50, "threads grew:\n" + table);
    }

    /// <summary>Open file descriptors (sockets included) of this process on Linux; 0 where /proc is absent.</summary>
    private static int OpenDescriptors() => Directory.Exists("/proc/self/fd") ? Directory.GetFiles("/proc/self/fd").Length : 0;
}

/// <summary>Runs after the parallel test classes, alone, so process-wide measurements describe only the soak.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    public const string Name = "Soak (alone)";
}
