using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Ccr.Bench.Load;
using Ccr.Bench.Mock;
using Ccr.Bench.Targets;
using Ccr.Core.Server;

namespace Ccr.Bench.Scenarios;

/// <summary>
/// Runs the mock and a Ccr proxy inside this process and reads the runtime's own counters around a
/// closed-loop run: allocated bytes, GC counts, CPU time and thread-pool size per request. The same run
/// straight to the mock is the baseline (generator + mock), so the difference is what the proxy costs.
/// </summary>
internal static class InProcessCounters
{
    public static async IAsyncEnumerable<CounterRow> RunAsync(string work, TimeSpan duration, List<AllocationShare> proxyAllocations, [EnumeratorCancellation] CancellationToken ct)
    {
        using var sampler = new AllocationSampler();
        await using MockUpstream mock = MockUpstream.Start();
        string config = Path.Combine(work, "inproc-config.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Providers"] = new[] { new Dictionary<string, object> { ["name"] = "mock", ["api_base_url"] = $"http://127.0.0.1:{mock.Port}/v1", ["api_key"] = "sk-bench", ["models"] = new[] { "m" } } },
            ["Router"] = new Dictionary<string, string> { ["default"] = "mock,m" },
            ["LOG"] = false,
        }), ct);

        var direct = new IPEndPoint(IPAddress.Loopback, mock.Port);
        yield return await MeasureAsync("direct (generator + mock)", direct, Requests.Build(direct, "/v1/chat/completions", Payloads.Large(false)), duration, ct);

        CcrProxy proxy = CcrProxy.Start(new CcrProxyOptions { ConfigPath = config, Port = ChildProcesses.FreePort(), Host = "127.0.0.1", StateFolder = Path.Combine(work, "state"), LogFolder = Path.Combine(work, "logs") });
        try
        {
            var ccr = new IPEndPoint(IPAddress.Loopback, proxy.Port);
            yield return await MeasureAsync("Ccr in-process (generator + proxy + mock)", ccr, Requests.Build(ccr, "/v1/messages", Payloads.Large(true)), duration, ct, sampler);
            proxyAllocations.AddRange(sampler.Top(12));
        }
        finally
        {
            await proxy.StopAsync(TimeSpan.FromSeconds(2));
        }
    }

    private static async Task<CounterRow> MeasureAsync(string name, IPEndPoint target, byte[] request, TimeSpan duration, CancellationToken ct, AllocationSampler? sampler = null)
    {
        await LoadGenerator.RunAsync(target, request, 32, TimeSpan.FromSeconds(1), ct);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        sampler?.Start();
        LoadResult r = await LoadGenerator.RunAsync(target, request, 32, duration, ct);
        sampler?.Stop();
        if (r.Requests == 0 || r.Errors > 0)
        {
            throw new InvalidOperationException($"{name}: {r.Requests} requests, {r.Errors} errors ({r.FirstError}).");
        }

        double allocatedPerRequest = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)r.Requests;
        double cpuPerRequest = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds * 1000 / r.Requests;
        return new CounterRow(name, r.Requests, allocatedPerRequest, cpuPerRequest, GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2,
            ThreadPool.ThreadCount, r.RequestsPerSecond);
    }
}
