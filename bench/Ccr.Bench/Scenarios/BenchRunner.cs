using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Ccr.Bench.Http;
using Ccr.Bench.Load;
using Ccr.Bench.Targets;

namespace Ccr.Bench.Scenarios;

/// <summary>Starts the targets, runs every scenario against each of them in one run, and fills a report.</summary>
internal sealed class BenchRunner
{
    private const double MiB = 1024 * 1024;
    private readonly BenchOptions _options;
    private readonly BenchReport _report;
    private readonly string _work;

    public BenchRunner(BenchOptions options)
    {
        _options = options;
        _report = new BenchReport { Mode = options.Mode };
        _work = Path.Combine(Path.GetTempPath(), "ccr-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(_work);
    }

    public async Task<BenchReport> RunAsync(CancellationToken ct)
    {
        Machine.Describe(_report.Machine);
        _report.Settings["cell"] = $"{_options.CellDuration.TotalSeconds:0.#} s in {_options.Rounds} round(s), warm-up {_options.WarmUp.TotalSeconds:0.#} s";
        _report.Settings["streams"] = $"{string.Join(" and ", _options.Streams)} x {_options.Chunks} chunks, {_options.DelayMs} ms apart";
        _report.Settings["count_tokens"] = $"~{_options.CountTokens} tokens";

        var targets = new List<Launched>();
        try
        {
            Log("starting the mock upstream");
            Launched mock = await Launchers.StartMockAsync(_options.Chunks, _options.DelayMs, ct);
            targets.Add(mock);
            int mockPort = mock.Target.EndPoint.Port;

            await StartCcrAsync(targets, mockPort, ct);
            if (_options.Router)
            {
                await StartRouterAsync(targets, mockPort, ct);
            }
            else
            {
                _report.NotMeasured["claude-code-router"] = "skipped (--no-router or --smoke)";
            }

            List<BenchTarget> live = targets.Select(t => t.Target).ToList();
            if (_options.Runs("load"))
            {
                await RunLoadAsync(live, ct);
            }

            if (_options.Runs("streams"))
            {
                await RunStreamsAsync(live, ct);
            }

            if (_options.Runs("tokens"))
            {
                await RunCountTokensAsync(live.Where(t => t.SpeaksAnthropic).ToList(), ct);
            }

            if (_options.Runs("statusline") && live.Find(t => t.Name == "Ccr") is BenchTarget ccr)
            {
                Log("status line (POST /ccr/statusline over keep-alive)");
                _report.StatusLine.Add(await StatusLineScenario.RunAsync(ccr, _options.StatusLineSamples, ct));
            }

            if (_options.Runs("dashboard") && live.Find(t => t.Name == "Ccr") is BenchTarget watched)
            {
                Log("Watch-CcrProxy attached (its feed polled 4/s) vs not");
                _report.Dashboard.AddRange(await DashboardScenario.RunAsync(watched, _options, ct));
            }

            if (_options.Runs("persistence"))
            {
                Log("persistence: local store vs Redis mode (POST /v1/messages over keep-alive, in process)");
                _report.Persistence.AddRange(await PersistenceScenario.RunAsync(mockPort, _work, _options.StatusLineSamples, ct));
            }

            if (_options.Runs("customrouter") && live.Find(t => t.Name == "Ccr") is BenchTarget plain)
            {
                Log("custom router (CUSTOM_ROUTER_PATH .ps1) against the same proxy without one");
                _report.CustomRouter.AddRange(await CustomRouterScenario.RunAsync(plain, Path.GetFullPath(_options.ModulePath!), mockPort, _work, _options.CustomRouterSamples, targets, ct));
            }
        }
        finally
        {
            foreach (Launched t in targets)
            {
                ChildProcesses.Kill(t.Process);
            }
        }

        if (_options.Counters)
        {
            await RunCountersAsync(ct);
        }

        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return _report;
    }

    private async Task StartCcrAsync(List<Launched> targets, int mockPort, CancellationToken ct)
    {
        if (_options.ModulePath is null || !File.Exists(Path.Combine(_options.ModulePath, "Ccr.psd1")))
        {
            _report.NotMeasured["Ccr"] = $"no built module at '{_options.ModulePath}' (pass --module out/Ccr; build.ps1 -Task Bench does)";
            return;
        }

        var samples = new List<double>();
        try
        {
            Log("starting Ccr in a warm pwsh");
            Launched ccr = await Launchers.StartCcrAsync(Path.GetFullPath(_options.ModulePath), mockPort, _work, ct);
            targets.Add(ccr);
            samples.Add(ccr.StartToHealthy.TotalMilliseconds);
            double idle = await IdleRssAsync(ccr.Target, ct);
            for (int i = 1; i < _options.StartupSamples; i++)
            {
                Launched extra = await Launchers.StartCcrAsync(Path.GetFullPath(_options.ModulePath), mockPort, _work, ct);
                samples.Add(extra.StartToHealthy.TotalMilliseconds);
                ChildProcesses.Kill(extra.Process);
            }

            _report.Startup.Add(new StartupRow("Ccr", "Import-Module + Start-CcrProxy to first healthy /health, warm pwsh", samples, idle, null));
            await Probe(ccr.Target, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _report.NotMeasured["Ccr"] = Reason(e);
            _report.Startup.Add(new StartupRow("Ccr", "Import-Module + Start-CcrProxy to first healthy /health, warm pwsh", samples, double.NaN, Reason(e)));
            Launched? started = targets.FirstOrDefault(t => t.Target.Name == "Ccr");
            if (started is not null)
            {
                ChildProcesses.Kill(started.Process);
                targets.Remove(started);
            }
        }
    }

    private async Task StartRouterAsync(List<Launched> targets, int mockPort, CancellationToken ct)
    {
        var samples = new List<double>();
        try
        {
            Log($"installing and starting claude-code-router {_options.RouterVersion}");
            Launched router = await Launchers.StartRouterAsync(_options.RouterVersion, mockPort, _work, ct);
            targets.Add(router);
            samples.Add(router.StartToHealthy.TotalMilliseconds);
            double idle = await IdleRssAsync(router.Target, ct);
            for (int i = 1; i < _options.StartupSamples; i++)
            {
                Launched extra = await Launchers.StartRouterAsync(_options.RouterVersion, mockPort, _work, ct);
                samples.Add(extra.StartToHealthy.TotalMilliseconds);
                ChildProcesses.Kill(extra.Process);
            }

            _report.Startup.Add(new StartupRow("claude-code-router", "`node cli.js start` (cold node) to first healthy /health", samples, idle, null));
            await Probe(router.Target, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _report.NotMeasured["claude-code-router"] = Reason(e);
            Launched? started = targets.FirstOrDefault(t => t.Target.Name == "claude-code-router");
            if (started is not null)
            {
                ChildProcesses.Kill(started.Process);
                targets.Remove(started);
            }
        }
    }

    // One request of each kind before any timing, so a target that cannot serve is reported, not timed.
    private async Task Probe(BenchTarget target, CancellationToken ct)
    {
        using var c = new HttpClientConnection(target.EndPoint);
        HttpExchange x = await c.SendAsync(target.Request(Payloads.Small(target.SpeaksAnthropic)), captureBody: true, ct);
        if (x.Status != 200)
        {
            throw new InvalidOperationException($"POST {target.MessagesPath} answered {x.Status}: {ChildProcesses.Trim(Encoding.UTF8.GetString(c.CapturedBody!.ToArray()))}");
        }
    }

    private async Task<double> IdleRssAsync(BenchTarget target, CancellationToken ct)
    {
        await Task.Delay(1000, ct);
        return target.ProcessId is int pid ? ProcessTree.RssBytes(pid) / MiB : double.NaN;
    }

    private async Task RunLoadAsync(List<BenchTarget> targets, CancellationToken ct)
    {
        foreach ((string name, Func<bool, string> body) in new (string, Func<bool, string>)[] { ("small", a => Payloads.Small(a)), ("~2 KB", Payloads.Large) })
        {
            foreach (int connections in _options.Connections)
            {
                Log($"non-stream {name}, {connections} connection(s)");
                var parts = targets.ToDictionary(t => t.Name, _ => new List<LoadResult>());
                var cpu = targets.ToDictionary(t => t.Name, _ => TimeSpan.Zero);
                var errors = new Dictionary<string, string>();
                var requests = targets.ToDictionary(t => t.Name, t => t.Request(body(t.SpeaksAnthropic)));
                foreach (BenchTarget t in targets)
                {
                    await LoadGenerator.RunAsync(t.EndPoint, requests[t.Name], connections, _options.WarmUp, ct);
                }

                TimeSpan slice = _options.CellDuration / _options.Rounds;
                for (int round = 0; round < _options.Rounds; round++)
                {
                    foreach (BenchTarget t in targets)
                    {
                        TimeSpan cpuBefore = t.ProcessId is int p0 ? ProcessTree.CpuTime(p0) : TimeSpan.Zero;
                        try
                        {
                            parts[t.Name].Add(await LoadGenerator.RunAsync(t.EndPoint, requests[t.Name], connections, slice, ct));
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            errors[t.Name] = Reason(e);
                        }

                        cpu[t.Name] += t.ProcessId is int p1 ? ProcessTree.CpuTime(p1) - cpuBefore : TimeSpan.Zero;
                    }
                }

                foreach (BenchTarget t in targets)
                {
                    LoadResult r = LoadResult.Combine(parts[t.Name]);
                    double cpuPerRequest = r.Requests > 0 ? cpu[t.Name].TotalMilliseconds * 1000 / r.Requests : double.NaN;
                    _report.Load.Add(new LoadRow(name, connections, t.Name, r.Requests > 0 ? r.RequestsPerSecond : 0, r.Requests, r.Errors,
                        r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max, cpuPerRequest, errors.GetValueOrDefault(t.Name) ?? r.FirstError));
                    Log($"  {t.Name,-20} {r.RequestsPerSecond,10:0} req/s  p50 {r.Latency.P50:0.000} ms  p99 {r.Latency.P99:0.000} ms  errors {r.Errors} {r.FirstError}");
                }
            }
        }
    }

    private async Task RunStreamsAsync(List<BenchTarget> targets, CancellationToken ct)
    {
        TimeSpan timeout = TimeSpan.FromMilliseconds(_options.Chunks * _options.DelayMs) + TimeSpan.FromSeconds(90);
        foreach (int streams in _options.Streams)
        {
            foreach (BenchTarget t in targets)
            {
                await RunStreamBurstAsync(t, streams, timeout, ct);
            }
        }
    }

    private async Task RunStreamBurstAsync(BenchTarget t, int streams, TimeSpan timeout, CancellationToken ct)
    {
        Log($"{streams} concurrent streams against {t.Name}");
        byte[] request = t.Request(StreamBody(t.SpeaksAnthropic));

        // Warm-up, the same for every target: three rounds of up to 100 streams, each followed by a pause, so
        // one-time costs are paid before the burst instead of inside it. .NET starts counting calls for its
        // optimizing recompile only after a quiet moment, and recompiles on a background thread: without rounds
        // and pauses that work lands in the burst (V8 similarly optimizes node's hot code). A proxy in a user's
        // session, with pauses between turns, is past all of it after its first few requests.
        for (int round = 0; round < 3; round++)
        {
            await StreamLoad.RunAsync(t.EndPoint, request, t.StreamEnd, Math.Min(100, streams), timeout, ct);
            await Task.Delay(700, ct);
        }
        int? pid = t.ProcessId;
        double before = pid is int a ? ProcessTree.RssBytes(a) / MiB : double.NaN;
        TimeSpan cpuBefore = pid is int p0 ? ProcessTree.CpuTime(p0) : TimeSpan.Zero;
        StreamResult r;
        double peak;
        await using (var sampler = pid is int b ? new RssSampler(b, TimeSpan.FromMilliseconds(50)) : null)
        {
            r = await StreamLoad.RunAsync(t.EndPoint, request, t.StreamEnd, streams, timeout, ct);
            peak = sampler is null ? double.NaN : sampler.PeakBytes / MiB;
        }

        // The target's CPU over the burst per chunk it delivered: what forwarding one event costs it.
        double cpuPerChunk = pid is int p1 && r.Completed > 0 ? (ProcessTree.CpuTime(p1) - cpuBefore).TotalMilliseconds * 1000 / ((double)r.Completed * _options.Chunks) : double.NaN;
        await Task.Delay(2000, ct);
        double after = pid is int c ? ProcessTree.RssBytes(c) / MiB : double.NaN;
        _report.Streams.Add(new StreamRow(t.Name, r.Streams, r.Completed, r.Errors, r.Ttfb.P50, r.Ttfb.P99, r.Total.P50, before, peak, after, r.Seconds, r.FirstError, cpuPerChunk));
        Log($"  {r.Completed}/{r.Streams} complete, TTFB p50 {r.Ttfb.P50:0.00} ms p99 {r.Ttfb.P99:0.00} ms, RSS {before:0}/{peak:0}/{after:0} MiB, CPU {cpuPerChunk:0.0} µs/chunk {r.FirstError}");
    }

    private static string StreamBody(bool anthropic) => Payloads.Small(anthropic, stream: true);

    private async Task RunCountTokensAsync(List<BenchTarget> targets, CancellationToken ct)
    {
        foreach (BenchTarget t in targets)
        {
            // Cold: every sample is a body never seen before (Ccr caches counts of large blocks).
            await MeasureCountTokensAsync(t, t.Name, CountTokensBody.Salted, ct);
            if (t.Name == "Ccr")
            {
                // Warm: the same body again, as Claude Code re-sends its history on every turn.
                await MeasureCountTokensAsync(t, t.Name + " (same body again)", CountTokensBody.Same, ct);

                // Worst case: words no sample has used before, so the per-word count cache cannot help either.
                await MeasureCountTokensAsync(t, t.Name + " (every word new)", CountTokensBody.NewWords, ct);
            }
        }
    }

    private enum CountTokensBody
    {
        Salted,
        Same,
        NewWords,
    }

    private async Task MeasureCountTokensAsync(BenchTarget t, string rowName, CountTokensBody kind, CancellationToken ct)
    {
        string json = kind == CountTokensBody.NewWords ? Payloads.CountTokensNewWords(_options.CountTokens, salt: 999) : Payloads.CountTokens(_options.CountTokens);
        Log($"count_tokens (~{_options.CountTokens} tokens, {json.Length / 1024} KiB) against {rowName}");
        var ticks = new List<long>();
        long? tokens = null;
        string? error = null;
        using var c = new HttpClientConnection(t.EndPoint);
        try
        {
            for (int i = 0; i < _options.CountTokenSamples + 2; i++)
            {
                string body = kind switch
                {
                    CountTokensBody.Salted => Payloads.CountTokens(_options.CountTokens, salt: i + 1),
                    CountTokensBody.NewWords => Payloads.CountTokensNewWords(_options.CountTokens, salt: 1000 + i),
                    _ => json,
                };
                byte[] request = Requests.Build(t.EndPoint, "/v1/messages/count_tokens", body);
                HttpExchange x = await c.SendAsync(request, captureBody: true, ct);
                string answer = Encoding.UTF8.GetString(c.CapturedBody!.ToArray());
                if (x.Status != 200)
                {
                    throw new InvalidOperationException($"HTTP {x.Status}: {ChildProcesses.Trim(answer)}");
                }

                tokens = ReadInputTokens(answer);
                if (i >= 2)
                {
                    ticks.Add(x.EndTicks - x.StartTicks);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = Reason(e);
        }

        var stats = new LatencyStats(ticks);
        _report.CountTokens.Add(new CountTokensRow(rowName, stats.Count, stats.P50, stats.P99, stats.Mean, tokens, Encoding.UTF8.GetByteCount(json), error));
        Log($"  p50 {stats.P50:0.00} ms, input_tokens {tokens} {error}");
    }

    private static long? ReadInputTokens(string json)
    {
        int i = json.IndexOf("\"input_tokens\"", StringComparison.Ordinal);
        if (i < 0)
        {
            return null;
        }

        i = json.IndexOf(':', i) + 1;
        int j = i;
        while (j < json.Length && (char.IsDigit(json[j]) || json[j] == ' '))
        {
            j++;
        }

        return long.TryParse(json.AsSpan(i, j - i).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;
    }

    private async Task RunCountersAsync(CancellationToken ct)
    {
        Log("in-process counters (allocations, GC, CPU per request)");
        try
        {
            await foreach (CounterRow row in InProcessCounters.RunAsync(_work, TimeSpan.FromSeconds(Math.Max(1, _options.CellDuration.TotalSeconds / 2)), _report.ProxyAllocations, ct))
            {
                _report.Counters.Add(row);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _report.NotMeasured["in-process counters"] = Reason(e);
        }
    }

    private static string Reason(Exception e)
    {
        Exception inner = e;
        while (inner.InnerException is not null && inner is AggregateException or System.Reflection.TargetInvocationException)
        {
            inner = inner.InnerException;
        }

        return ChildProcesses.Trim($"{inner.GetType().Name}: {inner.Message}".ReplaceLineEndings(" "));
    }

    internal static void Log(string line) => Console.Error.WriteLine($"[bench {DateTime.Now:HH:mm:ss}] {line}");
}

/// <summary>What machine the figures come from.</summary>
internal static class Machine
{
    public static void Describe(Dictionary<string, string> into)
    {
        into["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture);
        into["memory"] = $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB";
        into["OS"] = RuntimeInformation.OSDescription;
        into["CPU"] = CpuModel();
        into[".NET (harness)"] = RuntimeInformation.FrameworkDescription;
        into["pwsh"] = RunQuiet("dotnet", "pwsh -NoProfile -NonInteractive -Command $PSVersionTable.PSVersion.ToString()") ?? RunQuiet("pwsh", "-NoProfile -Command $PSVersionTable.PSVersion.ToString()") ?? "unknown";
        into["node"] = RunQuiet("node", "--version") ?? "not installed";
    }

    private static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    private static string? RunQuiet(string file, string args)
    {
        try
        {
            using Process? p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (p is null)
            {
                return null;
            }

            string text = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(60_000);
            return p.ExitCode == 0 && text.Length > 0 ? text.Split('\n')[^1].Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
