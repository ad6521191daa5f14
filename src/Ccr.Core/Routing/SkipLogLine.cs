using Ccr.Core.Telemetry;

namespace Ccr.Core.Routing;

/// <summary>
/// The decision-log line for a target that was not tried: <c>skipped:&lt;reason&gt;</c>, and for a limited target
/// until when it stays out and, for quota, why (which window, upstream's word or the local count).
/// </summary>
internal static class SkipLogLine
{
    public static DecisionLogEntry Build(RouterEngine engine, InboundRequest request, PlannedTarget target, string routeSource, SkipReason reason, DateTimeOffset? until, double latencyMs)
    {
        string? why = null;
        if (reason == SkipReason.Quota && target.Provider is not null)
        {
            engine.Quota.IsExhausted(target.Provider.Config, out _, out why);
        }

        return new DecisionLogEntry
        {
            Time = engine.Time.GetUtcNow(),
            RequestId = request.RequestId,
            Event = "attempt",
            RouteSource = routeSource,
            Provider = target.Target.Provider,
            Model = target.Target.Model,
            TierIndex = target.TierIndex,
            TierName = target.TierName,
            Attempt = 0,
            Outcome = "skipped:" + MessageRouter.ReasonText(reason),
            Reason = why,
            Until = until,
            LatencyMs = Math.Round(latencyMs, 2),
        };
    }
}
