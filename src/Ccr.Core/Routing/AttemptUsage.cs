using Ccr.Core.Protocol;
using Ccr.Core.Usage;

namespace Ccr.Core.Routing;

/// <summary>Turns how one attempt ended into usage counts: one upstream request, its tokens, and whether it failed or was a fallback.</summary>
internal static class AttemptUsage
{
    /// <summary>Counts attempt number <paramref name="attempt"/> at <paramref name="target"/> of <paramref name="plan"/>.</summary>
    public static void Count(UsageRecorder usage, RoutePlan plan, PlannedTarget target, int attempt, in AttemptResult result)
    {
        var counts = new UsageCounts
        {
            Requests = 1,
            Errors = result.Outcome is AttemptOutcome.Failed or AttemptOutcome.FailedAfterStart ? 1 : 0,

            // Served here only because the route's first choice was skipped or failed.
            Fallbacks = attempt == 0 && !string.Equals(target.Key, plan.Targets[0].Key, StringComparison.Ordinal) ? 1 : 0,
        };
        if (result.Summary is ResponseSummary summary)
        {
            counts.CacheReadTokens = summary.CachedInputTokens;
            counts.CacheWriteTokens = summary.CacheWriteTokens;
            counts.InputTokens = Math.Max(0, summary.InputTokens - summary.CachedInputTokens - summary.CacheWriteTokens);
            counts.OutputTokens = summary.OutputTokens;
        }

        usage.Record(target.Target.Provider, target.Target.Model, target.Provider?.Config.TierName, counts);
    }
}
