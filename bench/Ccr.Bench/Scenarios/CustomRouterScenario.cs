using System.Globalization;
using System.Text;
using Ccr.Bench.Http;
using Ccr.Bench.Load;
using Ccr.Bench.Targets;

namespace Ccr.Bench.Scenarios;

/// <summary>
/// What a CUSTOM_ROUTER_PATH script costs per request: the same small non-streaming request, one at a time over one keep-alive
/// connection each, against the Ccr proxy without a script and two more Ccr proxies (same config, same mock) whose script is
/// trivial: one returns $null (Ccr's choice stands), one returns a route (the plan is rebuilt around it). The variants are
/// interleaved request by request so drift on a shared machine lands on all of them alike; "added" is the variant's p50 (p99)
/// minus the plain proxy's. Because the three proxies are three processes, where each one lands on the 2 cores moves that
/// figure by tens of µs (the variant started last came out slowest, whichever it was); so each scripted proxy is also sent,
/// interleaved on the same connection, the same request naming its target (<c>"model":"mock,m"</c>), which never reaches the
/// script: the difference of the two in one process is the script's cost alone. Target: under 100 µs added at p50.
/// </summary>
internal static class CustomRouterScenario
{
    private const string Body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Say hi in one word.\"}]}";

    // The same request naming its target: routed without asking the script, the in-process baseline.
    private const string ExplicitBody = "{\"model\":\"mock,m\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Say hi in one word.\"}]}";

    public static async Task<List<CustomRouterRow>> RunAsync(BenchTarget plain, string modulePath, int mockPort, string work, int samples, List<Launched> owned, CancellationToken ct)
    {
        var variants = new List<(string Name, BenchTarget? Target, string? Error)> { ("no script", plain, null) };
        foreach ((string name, string script) in new[] { ("script returns $null", "param($Request) $null"), ("script returns a route", "param($Request) 'mock,m'") })
        {
            string path = Path.Combine(work, "router-" + variants.Count.ToString(CultureInfo.InvariantCulture) + ".ps1");
            await File.WriteAllTextAsync(path, script, ct);
            try
            {
                // A generous budget: the bench measures the script's cost, not how often a loaded machine blows 100 ms.
                Launched launched = await Launchers.StartCcrAsync(modulePath, mockPort, work, ct, new Dictionary<string, object>
                {
                    ["CUSTOM_ROUTER_PATH"] = path,
                    ["CUSTOM_ROUTER_TIMEOUT_MS"] = 2000,
                });
                owned.Add(launched);
                variants.Add((name, launched.Target, null));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                variants.Add((name, null, ChildProcesses.Trim(e.GetType().Name + ": " + e.Message)));
            }
        }

        var ticks = variants.Select(_ => new List<long>(samples)).ToList();
        var explicitTicks = variants.Select(_ => new List<long>(samples)).ToList();
        var errors = variants.Select(v => v.Error).ToList();
        var connections = variants.Select(v => v.Target is null ? null : new HttpClientConnection(v.Target.EndPoint)).ToList();
        var requests = variants.Select(v => v.Target is null ? null : Requests.Build(v.Target.EndPoint, "/v1/messages", Body)).ToList();
        var explicitRequests = variants.Select(v => v.Target is null ? null : Requests.Build(v.Target.EndPoint, "/v1/messages", ExplicitBody)).ToList();
        try
        {
            int warmUp = Math.Max(100, samples / 5);
            for (int i = 0; i < warmUp + samples; i++)
            {
                for (int v = 0; v < variants.Count; v++)
                {
                    if (connections[v] is not HttpClientConnection c || errors[v] is not null)
                    {
                        continue;
                    }

                    try
                    {
                        // The two take turns going first, so neither always follows the other on the connection.
                        HttpExchange x, named;
                        if ((i & 1) == 0)
                        {
                            x = await c.SendAsync(requests[v]!, captureBody: false, ct);
                            named = await c.SendAsync(explicitRequests[v]!, captureBody: false, ct);
                        }
                        else
                        {
                            named = await c.SendAsync(explicitRequests[v]!, captureBody: false, ct);
                            x = await c.SendAsync(requests[v]!, captureBody: false, ct);
                        }

                        if (x.Status != 200 || named.Status != 200)
                        {
                            errors[v] = "HTTP " + (x.Status != 200 ? x.Status : named.Status).ToString(CultureInfo.InvariantCulture);
                        }
                        else if (i >= warmUp)
                        {
                            ticks[v].Add(x.EndTicks - x.StartTicks);
                            explicitTicks[v].Add(named.EndTicks - named.StartTicks);
                        }
                    }
                    catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
                    {
                        errors[v] = ChildProcesses.Trim(e.GetType().Name + ": " + e.Message);
                    }
                }
            }
        }
        finally
        {
            foreach (HttpClientConnection? c in connections)
            {
                c?.Dispose();
            }
        }

        var stats = ticks.Select(t => new LatencyStats(t)).ToList();
        var explicitStats = explicitTicks.Select(t => new LatencyStats(t)).ToList();
        var rows = new List<CustomRouterRow>();
        for (int v = 0; v < variants.Count; v++)
        {
            double added50 = v == 0 ? double.NaN : (stats[v].P50 - stats[0].P50) * 1000;
            double added99 = v == 0 ? double.NaN : (stats[v].P99 - stats[0].P99) * 1000;
            // For the plain proxy both requests skip the script, so this is the noise floor of the same-process figure.
            double sameProcess50 = (stats[v].P50 - explicitStats[v].P50) * 1000;
            rows.Add(new CustomRouterRow(variants[v].Name, stats[v].Count, stats[v].P50, stats[v].P99, added50, added99, sameProcess50, errors[v]));
        }

        return rows;
    }

    public static void Write(StringBuilder md, List<CustomRouterRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine("## Custom router script (CUSTOM_ROUTER_PATH), one request at a time over keep-alive");
        md.AppendLine();
        md.AppendLine("The same proxy config with no script, a script returning $null and one returning a route, in three processes; requests interleaved. \"added\" is against the proxy without a script (another process); \"same process\" is against the same request naming its target (`mock,m`, never given to the script) sent to the same proxy in turn, which takes the processes' placement on the cores out. Target: under 100 µs added at p50.");
        md.AppendLine();
        md.AppendLine("| variant | samples | p50 ms | p99 ms | added p50 µs | added p99 µs | same process: added p50 µs | error |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (CustomRouterRow r in rows)
        {
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Variant} | {r.Samples} | {ResultsWriter.F(r.P50, "0.000")} | {ResultsWriter.F(r.P99, "0.000")} | {ResultsWriter.F(r.AddedP50Micros, "0")} | {ResultsWriter.F(r.AddedP99Micros, "0")} | {ResultsWriter.F(r.SameProcessAddedP50Micros, "0")} | {ResultsWriter.Escape(r.Error ?? "")} |"));
        }
    }
}
