using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Ccr.Bench;
using Ccr.Bench.Mock;
using Ccr.Bench.Scenarios;
using Ccr.Bench.Targets;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

if (options.Mode == "mock")
{
    // Same contract as FakeUpstream's executable mode: print the address, serve until stdin closes.
    await using MockUpstream mock = MockUpstream.Start(options.MockPort, options.Chunks, options.DelayMs);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"listening http://127.0.0.1:{mock.Port}/"));
    await Task.Run(() => Console.In.ReadToEnd(), cts.Token).WaitAsync(cts.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    return 0;
}

try
{
    BenchReport report = await new BenchRunner(options).RunAsync(cts.Token);
    if (options.Micro)
    {
        RunMicro(report);
    }

    string markdown = ResultsWriter.Render(report);
    string results = Path.GetFullPath(options.ResultsPath);
    Directory.CreateDirectory(Path.GetDirectoryName(results)!);
    await File.WriteAllTextAsync(results, markdown, new UTF8Encoding(false));
    BenchRunner.Log($"wrote {results}");
    if (options.JsonPath is not null)
    {
        await File.WriteAllTextAsync(options.JsonPath, JsonSerializer.Serialize(report, new JsonSerializerOptions
        {
            WriteIndented = true,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
    }

    return 0;
}
finally
{
    ChildProcesses.KillAll();
}

static void RunMicro(BenchReport report)
{
    try
    {
        IConfig config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        Summary summary = BenchmarkRunner.Run<MicroBenchmarks>(config);
        string? file = Directory.Exists(summary.ResultsDirectoryPath)
            ? Directory.GetFiles(summary.ResultsDirectoryPath, "*MicroBenchmarks-report-github.md").FirstOrDefault()
            : null;
        if (summary.HasCriticalValidationErrors || file is null || summary.Reports.Any(r => !r.Success))
        {
            report.MicroError = "BenchmarkDotNet reported failures (the translators may still be stubs in this build).";
        }

        report.MicroMarkdown = file is null ? null : File.ReadAllText(file);
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        report.MicroError = e.GetType().Name + ": " + e.Message;
    }
}
