using Ccr.Core.Protocol;

namespace Ccr.Core.Routing;

/// <summary>What one attempt came to: its outcome, the failure if any, and what the answer amounted to.</summary>
internal readonly record struct AttemptResult(AttemptOutcome Outcome, UpstreamFailure? Failure, ResponseSummary? Summary)
{
    /// <summary>The deadline that ended the attempt, when one did.</summary>
    public UpstreamDeadline Deadline { get; init; }

    public static AttemptResult ClientGone { get; } = new(AttemptOutcome.ClientGone, null, null);

    public static AttemptResult Fail(UpstreamFailure failure) => new(AttemptOutcome.Failed, failure, null);

    public static AttemptResult Success(ResponseSummary? summary) => new(AttemptOutcome.Succeeded, null, summary);
}
