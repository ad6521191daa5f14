using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ccr.Bench.Http;
using Ccr.Bench.Load;
using Ccr.Bench.Targets;

namespace Ccr.Bench.Scenarios;

/// <summary>One load cell with or without Watch-CcrProxy's feed being polled.</summary>
internal sealed record DashboardRow(int Connections, bool Attached, double RequestsPerSecond, long Requests, double P50, double P99, long Polls, string? Error);

/// <summary>
/// Whether watching costs the request path anything: the same non-streaming load against Ccr with and without a poller
/// reading Watch-CcrProxy's feed (<c>/health</c>, <c>/ccr/tiers</c>, <c>/ccr/dashboard</c>, and <c>/ccr/usage</c> once) four
/// times a second, four times the dashboard's default refresh. Slices alternate without/with/with/without so drift
/// (a warming JIT, a neighbour on the machine) falls on both sides alike.
/// </summary>
internal static class DashboardScenario
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<List<DashboardRow>> RunAsync(BenchTarget ccr, BenchOptions options, CancellationToken ct)
    {
        var rows = new List<DashboardRow>();
        byte[] request = ccr.Request(Payloads.Small(ccr.SpeaksAnthropic));
        foreach (int connections in options.Connections)
        {
            await LoadGenerator.RunAsync(ccr.EndPoint, request, connections, options.WarmUp, ct);
            var without = new List<LoadResult>();
            var with = new List<LoadResult>();
            long polls = 0;
            string? error = null;
            TimeSpan slice = options.CellDuration / (2 * options.Rounds);
            for (int i = 0; i < 2 * options.Rounds; i++)
            {
                bool attached = i % 4 is 1 or 2;
                using var stop = new CancellationTokenSource();
                Task<(long Polls, string? Error)> poller = attached ? PollAsync(ccr, stop.Token) : Task.FromResult((0L, (string?)null));
                (attached ? with : without).Add(await LoadGenerator.RunAsync(ccr.EndPoint, request, connections, slice, ct));
                await stop.CancelAsync();
                (long n, string? e) = await poller;
                polls += n;
                error ??= e;
            }

            foreach ((bool attached, List<LoadResult> parts) in new[] { (false, without), (true, with) })
            {
                LoadResult r = LoadResult.Combine(parts);
                rows.Add(new DashboardRow(connections, attached, r.RequestsPerSecond, r.Requests, r.Latency.P50, r.Latency.P99, attached ? polls : 0,
                    attached ? error ?? r.FirstError : r.FirstError));
                BenchRunner.Log($"  {connections} conn, dashboard {(attached ? "attached" : "off     ")} {r.RequestsPerSecond,8:0} req/s  p50 {r.Latency.P50:0.000} ms  p99 {r.Latency.P99:0.000} ms{(attached ? $"  polls {polls}" : "")}");
            }
        }

        return rows;
    }

    /// <summary>Reads the feed the way the dashboard does, on one keep-alive connection, until stopped.</summary>
    private static async Task<(long Polls, string? Error)> PollAsync(BenchTarget ccr, CancellationToken stop)
    {
        byte[][] each = [Requests.Get(ccr.EndPoint, "/health"), Requests.Get(ccr.EndPoint, "/ccr/tiers"), Requests.Get(ccr.EndPoint, "/ccr/dashboard")];
        byte[] usage = Requests.Get(ccr.EndPoint, "/ccr/usage?by=provider");
        long polls = 0;
        using var connection = new HttpClientConnection(ccr.EndPoint);
        try
        {
            await Expect200(connection, usage, stop);
            while (!stop.IsCancellationRequested)
            {
                long started = Stopwatch.GetTimestamp();
                foreach (byte[] request in each)
                {
                    await Expect200(connection, request, stop);
                }

                polls++;
                TimeSpan left = s_pollInterval - Stopwatch.GetElapsedTime(started);
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left, stop);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            return (polls, ChildProcesses.Trim($"poller: {e.GetType().Name}: {e.Message}"));
        }

        return (polls, null);
    }

    private static async Task Expect200(HttpClientConnection connection, byte[] request, CancellationToken ct)
    {
        HttpExchange x = await connection.SendAsync(request, captureBody: false, ct);
        if (x.Status != 200)
        {
            throw new InvalidOperationException($"the dashboard feed answered HTTP {x.Status}");
        }
    }

    public static void Write(StringBuilder md, List<DashboardRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine("## Watch-CcrProxy attached (its feed polled 4 times a second)");
        md.AppendLine();
        md.AppendLine("Small non-streaming requests to Ccr, without and with a poller reading `/health`, `/ccr/tiers` and `/ccr/dashboard` every 250 ms (the dashboard's default is every second), slices interleaved.");
        md.AppendLine();
        md.AppendLine("| connections | dashboard | req/s | p50 ms | p99 ms | added p50 ms | feed polls | error |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---|");
        foreach (DashboardRow row in rows)
        {
            DashboardRow? off = rows.Find(r => r.Connections == row.Connections && !r.Attached);
            string added = row.Attached && off is not null ? (row.P50 - off.P50).ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture) : "";
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Connections} | {(row.Attached ? "attached" : "off")} | {row.RequestsPerSecond:0} | {row.P50:0.000} | {row.P99:0.000} | {added} | {(row.Attached ? row.Polls.ToString(CultureInfo.InvariantCulture) : "")} | {ResultsWriter.Escape(row.Error ?? "")} |"));
        }
    }
}
