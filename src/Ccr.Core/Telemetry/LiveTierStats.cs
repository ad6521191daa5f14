namespace Ccr.Core.Telemetry;

/// <summary>
/// One tier's live figures as <c>GET /ccr/dashboard</c> reports them: attempts and failed attempts since the proxy
/// started, and the 50th/95th percentile of attempt latency and of time to first byte over the last minutes (null
/// before the first sample).
/// </summary>
internal sealed record LiveTierStats(
    int Index,
    string Provider,
    string Model,
    long Attempts,
    long Errors,
    double? LatencyP50Ms,
    double? LatencyP95Ms,
    double? FirstByteP50Ms,
    double? FirstByteP95Ms);
