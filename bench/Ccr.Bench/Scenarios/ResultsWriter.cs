using System.Globalization;
using System.Text;

namespace Ccr.Bench.Scenarios;

/// <summary>Renders a report as bench/RESULTS.md: machine, one table per scenario with ratios, goals, reading.</summary>
internal static class ResultsWriter
{
    private const string Direct = "direct";
    private const string Ccr = "Ccr";
    private const string Router = "claude-code-router";

    public static string Render(BenchReport r)
    {
        var md = new StringBuilder();
        md.AppendLine("# Ccr benchmark results");
        md.AppendLine();
        md.AppendLine(Inv($"Written by `build.ps1 -Task Bench` (bench/Ccr.Bench, mode `{r.Mode}`) on {r.Started:yyyy-MM-dd HH:mm zzz}. Every figure in a table comes from the same run: the mock directly, Ccr in front of it and claude-code-router in front of it, interleaved."));
        md.AppendLine();
        md.AppendLine("## Machine");
        md.AppendLine();
        foreach ((string k, string v) in r.Machine)
        {
            md.AppendLine(Inv($"- {k}: {v}"));
        }

        foreach ((string k, string v) in r.Settings)
        {
            md.AppendLine(Inv($"- {k}: {v}"));
        }

        md.AppendLine("- Everything on 127.0.0.1; the load generator and the mock share the same 2 cores with the proxy under test, as a user's machine would.");
        if (r.NotMeasured.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("**Not measured:**");
            md.AppendLine();
            foreach ((string k, string v) in r.NotMeasured)
            {
                md.AppendLine(Inv($"- {k}: {v}"));
            }
        }

        WriteGoals(md, r);
        WriteLoad(md, r);
        WriteStreams(md, r);
        WriteCountTokens(md, r);
        WriteStatusLine(md, r);
        DashboardScenario.Write(md, r.Dashboard);
        WritePersistence(md, r);
        CustomRouterScenario.Write(md, r.CustomRouter);
        WriteStartup(md, r);
        WriteCounters(md, r);
        if (r.MicroMarkdown is not null || r.MicroError is not null)
        {
            md.AppendLine();
            md.AppendLine("## Micro-benchmarks (BenchmarkDotNet, in-process)");
            md.AppendLine();
            md.AppendLine(r.MicroMarkdown ?? "not measured: " + r.MicroError);
        }

        return md.ToString();
    }

    private static void WriteLoad(StringBuilder md, BenchReport r)
    {
        md.AppendLine();
        md.AppendLine("## Non-streaming requests (closed loop, HTTP/1.1 keep-alive)");
        md.AppendLine();
        md.AppendLine("Latency is send to last byte. Added = target minus direct at the same percentile. CPU/req is the target's process tree CPU time over the cell divided by its requests.");
        md.AppendLine();
        md.AppendLine("| payload | conns | target | req/s | x direct | x router | p50 ms | p90 ms | p99 ms | max ms | added p50 | added p99 | CPU/req µs | errors |");
        md.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (LoadRow row in r.Load)
        {
            LoadRow? d = r.Load.Find(x => x.Payload == row.Payload && x.Connections == row.Connections && x.Target == Direct);
            LoadRow? n = r.Load.Find(x => x.Payload == row.Payload && x.Connections == row.Connections && x.Target == Router);
            string errors = row.Errors.ToString(CultureInfo.InvariantCulture) + (row.Error is null ? "" : " (" + Escape(row.Error) + ")");
            md.AppendLine(Inv($"| {row.Payload} | {row.Connections} | {row.Target} | {row.RequestsPerSecond:0} | {Ratio(row.RequestsPerSecond, d?.RequestsPerSecond)} | {Ratio(row.RequestsPerSecond, n?.RequestsPerSecond)} | {row.P50:0.000} | {row.P90:0.000} | {row.P99:0.000} | {row.Max:0.0} | {Added(row.P50, d?.P50, row.Target)} | {Added(row.P99, d?.P99, row.Target)} | {F(row.CpuMicrosPerRequest, "0")} | {errors} |"));
        }
    }

    private static void WriteStreams(StringBuilder md, BenchReport r)
    {
        md.AppendLine();
        md.AppendLine("## Concurrent streams");
        md.AppendLine();
        md.AppendLine("Every target first serves three rounds of up to 100 streams, resting 0.7 s after each; then all streams start at once on pre-opened connections. TTFB is request sent to first body byte. RSS is the target's process tree (before the burst / peak during it / 2 s after). CPU/chunk is the target's CPU time during the burst over the chunks it delivered.");
        md.AppendLine();
        md.AppendLine("| streams | target | complete | TTFB p50 ms | TTFB p99 ms | added TTFB p50 | stream p50 ms | RSS before MiB | RSS peak MiB | RSS after MiB | growth MiB | CPU/chunk µs | first error |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (StreamRow s in r.Streams)
        {
            StreamRow? d = r.Streams.Find(x => x.Target == Direct && x.Streams == s.Streams);
            md.AppendLine(Inv($"| {s.Streams} | {s.Target} | {s.Completed}/{s.Streams} | {s.TtfbP50:0.00} | {s.TtfbP99:0.00} | {Added(s.TtfbP50, d?.TtfbP50, s.Target)} | {s.TotalP50:0.0} | {F(s.RssBeforeMiB, "0")} | {F(s.RssPeakMiB, "0")} | {F(s.RssAfterMiB, "0")} | {F(s.RssPeakMiB - s.RssBeforeMiB, "0")} | {F(s.CpuMicrosPerChunk, "0.0")} | {Escape(s.Error ?? "")} |"));
        }
    }

    private static void WriteCountTokens(StringBuilder md, BenchReport r)
    {
        md.AppendLine();
        md.AppendLine("## count_tokens");
        md.AppendLine();
        md.AppendLine("| target | body KiB | input_tokens answered | samples | p50 ms | p99 ms | mean ms | x router | error |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        CountTokensRow? n = r.CountTokens.Find(x => x.Target == Router);
        foreach (CountTokensRow c in r.CountTokens)
        {
            md.AppendLine(Inv($"| {c.Target} | {c.BodyBytes / 1024} | {c.InputTokens?.ToString(CultureInfo.InvariantCulture) ?? "-"} | {c.Samples} | {F(c.P50, "0.00")} | {F(c.P99, "0.00")} | {F(c.Mean, "0.00")} | {Ratio(c.P50, n?.P50)} | {Escape(c.Error ?? "")} |"));
        }
    }

    private static void WriteStatusLine(StringBuilder md, BenchReport r)
    {
        if (r.StatusLine.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine("## Claude Code status line (POST /ccr/statusline, one keep-alive connection)");
        md.AppendLine();
        md.AppendLine("Send to last byte on loopback, for a session the proxy has served; the proxy's own share is less.");
        md.AppendLine();
        md.AppendLine("| target | samples | p50 ms | p99 ms | max ms | line | error |");
        md.AppendLine("|---|---:|---:|---:|---:|---|---|");
        foreach (StatusLineRow s in r.StatusLine)
        {
            md.AppendLine(Inv($"| {s.Target} | {s.Samples} | {F(s.P50, "0.000")} | {F(s.P99, "0.000")} | {F(s.Max, "0.000")} | {Escape(s.Line)} | {Escape(s.Error ?? "")} |"));
        }
    }

    private static void WritePersistence(StringBuilder md, BenchReport r)
    {
        if (r.Persistence.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine("## Shared state: local store vs Persistence redis (POST /v1/messages, one keep-alive connection each)");
        md.AppendLine();
        md.AppendLine("Two proxies in one process against the mock, alternating blocks; Redis is a redis-server of the scenario's own on loopback.");
        md.AppendLine();
        md.AppendLine("| store | samples | p50 ms | p99 ms | counted by Redis | error |");
        md.AppendLine("|---|---:|---:|---:|---|---|");
        foreach (PersistenceRow p in r.Persistence)
        {
            md.AppendLine(Inv($"| {p.Store} | {p.Samples} | {F(p.P50, "0.000")} | {F(p.P99, "0.000")} | {p.CountedByRedis ?? "-"} | {Escape(p.Error ?? "")} |"));
        }
    }

    private static void WriteStartup(StringBuilder md, BenchReport r)
    {
        md.AppendLine();
        md.AppendLine("## Start-up and idle memory");
        md.AppendLine();
        md.AppendLine("| target | what is timed | median ms | samples ms | idle RSS MiB | error |");
        md.AppendLine("|---|---|---:|---|---:|---|");
        foreach (StartupRow s in r.Startup)
        {
            string samples = string.Join(", ", s.SamplesMs.Select(x => x.ToString("0", CultureInfo.InvariantCulture)));
            md.AppendLine(Inv($"| {s.Target} | {s.What} | {F(s.MedianMs, "0")} | {samples} | {F(s.IdleRssMiB, "0")} | {Escape(s.Error ?? "")} |"));
        }
    }

    private static void WriteCounters(StringBuilder md, BenchReport r)
    {
        if (r.Counters.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine("## Where the time goes (runtime counters, in-process run, 32 connections, ~2 KB)");
        md.AppendLine();
        md.AppendLine("| run | requests | req/s | allocated B/req | CPU µs/req | gen0 | gen1 | gen2 | thread-pool threads |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (CounterRow c in r.Counters)
        {
            md.AppendLine(Inv($"| {c.Run} | {c.Requests} | {c.RequestsPerSecond:0} | {c.AllocatedBytesPerRequest:0} | {c.CpuMicrosPerRequest:0.0} | {c.Gen0} | {c.Gen1} | {c.Gen2} | {c.ThreadPoolThreads} |"));
        }

        if (r.Counters.Count == 2)
        {
            CounterRow b = r.Counters[0], p = r.Counters[1];
            md.AppendLine();
            md.AppendLine(Inv($"The proxy's own share per request: about {p.AllocatedBytesPerRequest - b.AllocatedBytesPerRequest:0} bytes allocated and {p.CpuMicrosPerRequest - b.CpuMicrosPerRequest:0.0} µs of CPU (in-process run minus direct run)."));
        }

        if (r.ProxyAllocations.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("What the in-process Ccr run allocated, by type (the runtime's AllocationTick samples, about one per 100 KB; generator and mock included):");
            md.AppendLine();
            md.AppendLine("| type | share of sampled bytes |");
            md.AppendLine("|---|---:|");
            foreach (AllocationShare a in r.ProxyAllocations)
            {
                md.AppendLine(Inv($"| `{a.Type}` | {a.Share:P1} |"));
            }
        }
    }

    private static void WriteGoals(StringBuilder md, BenchReport r)
    {
        md.AppendLine();
        md.AppendLine("## Goals");
        md.AppendLine();
        md.AppendLine("| goal | measured | met |");
        md.AppendLine("|---|---|---|");
        int lowest = r.Load.Count == 0 ? 1 : r.Load.Min(x => x.Connections);
        int highest = r.Load.Count == 0 ? 32 : r.Load.Max(x => x.Connections);
        LoadRow? Get(int conns, string target) => r.Load.Find(x => x.Payload == "~2 KB" && x.Connections == conns && x.Target == target);
        LoadRow? c1 = Get(lowest, Ccr), d1 = Get(lowest, Direct), c32 = Get(highest, Ccr), d32 = Get(highest, Direct), n32 = Get(highest, Router);
        Goal(md, $"added latency at {lowest} conn, p50 <= 0.3 ms", Ok(c1, d1) ? c1!.P50 - d1!.P50 : null, v => v <= 0.3, "0.000 ms");
        Goal(md, $"added latency at {lowest} conn, p99 <= 1 ms", Ok(c1, d1) ? c1!.P99 - d1!.P99 : null, v => v <= 1, "0.000 ms");
        Goal(md, $"added latency at {highest} conns, p50 <= 1 ms", Ok(c32, d32) ? c32!.P50 - d32!.P50 : null, v => v <= 1, "0.000 ms");
        Goal(md, $"throughput at {highest} conns >= 20x claude-code-router", Ok(c32, n32) ? c32!.RequestsPerSecond / n32!.RequestsPerSecond : null, v => v >= 20, "0.0x");
        Goal(md, $"throughput at {highest} conns >= 25% of direct", Ok(c32, d32) ? c32!.RequestsPerSecond / d32!.RequestsPerSecond * 100 : null, v => v >= 25, "0.0'%'");
        int burst = r.Streams.Count == 0 ? 0 : r.Streams.Max(x => x.Streams);
        StreamRow? cs = r.Streams.Find(x => x.Target == Ccr && x.Streams == burst), ds = r.Streams.Find(x => x.Target == Direct && x.Streams == burst);
        Goal(md, "concurrent streams 100% complete", cs is null ? null : cs.Completed * 100.0 / cs.Streams, v => v >= 100, "0.0'%'", cs is null ? "" : Inv($" ({cs.Streams} streams)"));
        Goal(md, "added TTFB p50 < 2 ms", cs is not null && ds is not null && cs.Completed > 0 ? cs.TtfbP50 - ds.TtfbP50 : null, v => v < 2, "0.00 ms");
        Goal(md, "RSS growth during the burst <= 100 MB", cs is null ? null : (cs.RssPeakMiB - cs.RssBeforeMiB) * 1.048576, v => v <= 100, "0 MB");
        CountTokensRow? ct = r.CountTokens.Find(x => x.Target == Ccr);
        Goal(md, "count_tokens of ~200k tokens < 20 ms (p50)", ct is { Error: null, Samples: > 0 } ? ct.P50 : null, v => v < 20, "0.00 ms", ct?.InputTokens is long t ? Inv($" ({t} tokens)") : "");
        StartupRow? st = r.Startup.Find(x => x.Target == Ccr);
        Goal(md, "Import-Module + Start-CcrProxy to healthy < 300 ms (warm pwsh)", st is { Error: null } && st.SamplesMs.Count > 0 ? st.MedianMs : null, v => v < 300, "0 ms");

        static bool Ok(LoadRow? a, LoadRow? b) => a is not null && b is not null && a.Requests > 0 && b.Requests > 0;
    }

    private static void Goal(StringBuilder md, string goal, double? value, Func<double, bool> met, string format, string note = "")
    {
        string figure = value is double v && !double.IsNaN(v) ? v.ToString(format, CultureInfo.InvariantCulture) + note : "not measured";
        string verdict = value is double w && !double.IsNaN(w) ? (met(w) ? "met" : "**not met**") : "-";
        md.AppendLine(Inv($"| {goal} | {figure} | {verdict} |"));
    }

    private static string Ratio(double value, double? reference)
        => reference is double r && r > 0 && value > 0 ? (value / r).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-";

    private static string Added(double value, double? direct, string target)
        => target == Direct || direct is not double d || double.IsNaN(value) || double.IsNaN(d) ? "-" : (value - d).ToString("+0.000;-0.000", CultureInfo.InvariantCulture);

    /// <summary>A table cell for a figure: "-" for NaN (not measured), else the invariant format.</summary>
    internal static string F(double value, string format) => double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Text for a table cell: pipes escaped and line breaks flattened so the row stays one row.</summary>
    internal static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
