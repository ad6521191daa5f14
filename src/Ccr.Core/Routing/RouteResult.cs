using Ccr.Core.Protocol;

namespace Ccr.Core.Routing;

/// <summary>How one request ended, for logs, metrics and Invoke-CcrMessage.</summary>
internal sealed class RouteResult
{
    public bool Succeeded { get; init; }

    public int Status { get; init; }

    public string? Provider { get; init; }

    public string? Model { get; init; }

    public string? TierName { get; init; }

    public int TierIndex { get; init; } = -1;

    public int Attempts { get; init; }

    public ResponseSummary? Summary { get; init; }

    public AnthropicError? Error { get; init; }

    public double LatencyMs { get; init; }
}
