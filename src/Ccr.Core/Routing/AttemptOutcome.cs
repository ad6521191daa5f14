namespace Ccr.Core.Routing;

/// <summary>How one attempt at one target ended.</summary>
internal enum AttemptOutcome
{
    /// <summary>The answer reached the client.</summary>
    Succeeded,

    /// <summary>Failed before any byte reached the client: the next attempt or tier may serve.</summary>
    Failed,

    /// <summary>Failed after the stream had started: it was ended with an error event.</summary>
    FailedAfterStart,

    /// <summary>The client went away; the upstream call was cancelled.</summary>
    ClientGone,
}
