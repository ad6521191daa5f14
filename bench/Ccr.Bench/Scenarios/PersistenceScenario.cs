using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Ccr.Bench.Http;
using Ccr.Bench.Load;
using Ccr.Bench.Targets;
using Ccr.Core.Server;

namespace Ccr.Bench.Scenarios;

/// <summary>
/// Shared state through Redis must cost the request path nothing: two proxies in this process against the same mock
/// upstream, one on the local store and one in <c>Persistence: redis</c> mode on a redis-server of the scenario's own,
/// each sent the same non-streaming message over one keep-alive connection, in alternating blocks so both see the same
/// machine. The row compares p50 and p99; the Redis one also says how many requests Redis counted (all of them, or the
/// sharing did not run).
/// </summary>
internal static class PersistenceScenario
{
    private const string Message = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private const int Blocks = 10;

    public static async Task<List<PersistenceRow>> RunAsync(int mockPort, string work, int samples, CancellationToken ct)
    {
        // Windows has no official redis-server; a port (Memurai, or WSL's) would be redis-server.exe on PATH.
        string? redisServer = Launchers.FindOnPath(OperatingSystem.IsWindows() ? "redis-server.exe" : "redis-server");
        if (redisServer is null)
        {
            return [new PersistenceRow("redis", 0, double.NaN, double.NaN, null, "redis-server is not on PATH (apt-get install redis-server)")];
        }

        int redisPort = ChildProcesses.FreePort();
        string folder = Path.Combine(work, "redis-" + redisPort.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        var start = new ProcessStartInfo(redisServer) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", folder, "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(arg);
        }

        using Process redis = Process.Start(start)!;
        try
        {
            await WaitForPortAsync(redisPort, ct);
            await using CcrProxy local = await StartProxyAsync(work, "local", mockPort, null, ct);
            await using CcrProxy shared = await StartProxyAsync(work, "redis", mockPort, "redis://127.0.0.1:" + redisPort.ToString(CultureInfo.InvariantCulture) + "/0", ct);
            await WaitConnectedAsync(shared, ct);

            var localTicks = new List<long>(samples);
            var sharedTicks = new List<long>(samples);
            using var toLocal = new HttpClientConnection(new IPEndPoint(IPAddress.Loopback, local.Port));
            using var toShared = new HttpClientConnection(new IPEndPoint(IPAddress.Loopback, shared.Port));
            byte[] localRequest = Requests.Build(new IPEndPoint(IPAddress.Loopback, local.Port), "/v1/messages", Message);
            byte[] sharedRequest = Requests.Build(new IPEndPoint(IPAddress.Loopback, shared.Port), "/v1/messages", Message);
            int warmUp = Math.Max(50, samples / 10);
            await SendAsync(toLocal, localRequest, warmUp, null, ct);
            await SendAsync(toShared, sharedRequest, warmUp, null, ct);
            int perBlock = Math.Max(1, samples / Blocks);
            for (int block = 0; block < Blocks; block++)
            {
                await SendAsync(toLocal, localRequest, perBlock, localTicks, ct);
                await SendAsync(toShared, sharedRequest, perBlock, sharedTicks, ct);
            }

            long expected = warmUp + ((long)perBlock * Blocks);
            long counted = await WaitCountedAsync(shared, expected, ct);
            var l = new LatencyStats(localTicks);
            var s = new LatencyStats(sharedTicks);
            return
            [
                new PersistenceRow("local store", l.Count, l.P50, l.P99, null, null),
                new PersistenceRow("redis", s.Count, s.P50, s.P99, counted.ToString(CultureInfo.InvariantCulture) + " of " + expected.ToString(CultureInfo.InvariantCulture), null),
            ];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return [new PersistenceRow("redis", 0, double.NaN, double.NaN, null, ChildProcesses.Trim(e.GetType().Name + ": " + e.Message))];
        }
        finally
        {
            ChildProcesses.Kill(redis);
        }
    }

    private static async Task SendAsync(HttpClientConnection c, byte[] request, int count, List<long>? ticks, CancellationToken ct)
    {
        for (int i = 0; i < count; i++)
        {
            HttpExchange x = await c.SendAsync(request, captureBody: false, ct);
            if (x.Status != 200)
            {
                throw new InvalidOperationException("/v1/messages answered HTTP " + x.Status.ToString(CultureInfo.InvariantCulture));
            }

            ticks?.Add(x.EndTicks - x.StartTicks);
        }
    }

    private static async Task<CcrProxy> StartProxyAsync(string work, string name, int mockPort, string? redisUrl, CancellationToken ct)
    {
        string folder = Path.Combine(work, "persistence-" + name);
        Directory.CreateDirectory(folder);
        var config = new Dictionary<string, object>
        {
            ["Providers"] = new[] { new Dictionary<string, object> { ["name"] = "mock", ["api_base_url"] = $"http://127.0.0.1:{mockPort}/v1", ["api_key"] = "sk-bench", ["models"] = new[] { "m" } } },
            ["Router"] = new Dictionary<string, string> { ["default"] = "mock,m" },
            ["LOG"] = false,
        };
        if (redisUrl is not null)
        {
            config["Persistence"] = new Dictionary<string, string> { ["mode"] = "redis", ["redis_url"] = redisUrl, ["redis_prefix"] = "bench:" };
        }

        string path = Path.Combine(folder, "config.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config), ct);
        return CcrProxy.Start(new CcrProxyOptions { ConfigPath = path, Port = ChildProcesses.FreePort(), StateFolder = Path.Combine(folder, "state"), LogFolder = Path.Combine(folder, "logs") });
    }

    private static async Task WaitConnectedAsync(CcrProxy proxy, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!proxy.Engine.Shared.Status.Describe().StartsWith("redis (connected", StringComparison.Ordinal))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException("the proxy never connected to Redis: " + proxy.Engine.Shared.Status.Describe());
            }

            await Task.Delay(20, ct);
        }
    }

    private static async Task<long> WaitCountedAsync(CcrProxy proxy, long expected, CancellationToken ct)
    {
        // Counted by Redis means: the shared view of the provider's usage holds every request sent.
        var clock = Stopwatch.StartNew();
        long counted = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            long hour = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 3600;
            var into = new Dictionary<Ccr.Core.Usage.UsageBucketKey, Ccr.Core.Usage.UsageCounts>();
            if (proxy.Engine.Shared.MergeUsage(into, hour - 1, hour + 1))
            {
                counted = 0;
                foreach (Ccr.Core.Usage.UsageCounts c in into.Values)
                {
                    counted += c.Requests;
                }

                if (counted >= expected)
                {
                    break;
                }
            }

            await Task.Delay(50, ct);
        }

        return counted;
    }

    private static async Task WaitForPortAsync(int port, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, ct);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(20, ct);
            }
        }
    }
}
