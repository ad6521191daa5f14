namespace Ccr.Bench.Scenarios;

/// <summary>One variant of the custom router scenario: latency over keep-alive, and what it adds over the proxy without a script.</summary>
internal sealed record CustomRouterRow(string Variant, int Samples, double P50, double P99, double AddedP50Micros, double AddedP99Micros, double SameProcessAddedP50Micros, string? Error);
