namespace Ccr.Bench.Scenarios;

/// <summary>One non-streaming cell: a payload at a connection count against one target.</summary>
internal sealed record LoadRow(string Payload, int Connections, string Target, double RequestsPerSecond, long Requests, long Errors,
    double P50, double P90, double P99, double Max, double CpuMicrosPerRequest, string? Error);

internal sealed record StreamRow(string Target, int Streams, int Completed, int Errors, double TtfbP50, double TtfbP99, double TotalP50,
    double RssBeforeMiB, double RssPeakMiB, double RssAfterMiB, double Seconds, string? Error, double CpuMicrosPerChunk = double.NaN);

internal sealed record PersistenceRow(string Store, int Samples, double P50, double P99, string? CountedByRedis, string? Error);

internal sealed record StatusLineRow(string Target, int Samples, double P50, double P99, double Max, string Line, string? Error);

internal sealed record CountTokensRow(string Target, int Samples, double P50, double P99, double Mean, long? InputTokens, int BodyBytes, string? Error);

internal sealed record StartupRow(string Target, string What, IReadOnlyList<double> SamplesMs, double IdleRssMiB, string? Error)
{
    public double MedianMs => SamplesMs.Count == 0 ? double.NaN : SamplesMs.Order().ElementAt(SamplesMs.Count / 2);
}

internal sealed record CounterRow(string Run, long Requests, double AllocatedBytesPerRequest, double CpuMicrosPerRequest, int Gen0, int Gen1, int Gen2, int ThreadPoolThreads, double RequestsPerSecond);

/// <summary>Everything one bench run measured, in the order RESULTS.md shows it.</summary>
internal sealed class BenchReport
{
    public required string Mode { get; init; }

    public DateTimeOffset Started { get; } = DateTimeOffset.Now;

    public Dictionary<string, string> Machine { get; } = [];

    public Dictionary<string, string> NotMeasured { get; } = [];

    public List<StartupRow> Startup { get; } = [];

    public List<LoadRow> Load { get; } = [];

    public List<StreamRow> Streams { get; } = [];

    public List<CountTokensRow> CountTokens { get; } = [];

    public List<StatusLineRow> StatusLine { get; } = [];

    public List<DashboardRow> Dashboard { get; } = [];
    public List<PersistenceRow> Persistence { get; } = [];
    public List<CustomRouterRow> CustomRouter { get; } = [];

    public List<CounterRow> Counters { get; } = [];

    /// <summary>What the proxy's in-process run allocated, by type (sampled).</summary>
    public List<AllocationShare> ProxyAllocations { get; } = [];

    public string? MicroMarkdown { get; set; }

    public string? MicroError { get; set; }

    public Dictionary<string, string> Settings { get; } = [];
}
