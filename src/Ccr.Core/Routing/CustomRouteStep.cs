using System.Diagnostics;
using Ccr.Core.Config;
using Ccr.Core.Telemetry;

namespace Ccr.Core.Routing;

/// <summary>
/// Asks the custom router script, when one is loaded, where a request should go, and applies a valid answer to the plan. A
/// request that named its target (explicit <c>provider,model</c>, a subagent tag, a <c>/preset/</c> URL) is not asked. The
/// call has a budget (<c>CUSTOM_ROUTER_TIMEOUT_MS</c>); whatever goes wrong (a throw, the budget, an answer the config does not
/// know) keeps Ccr's own plan and writes one <c>custom_router</c> line with the reason. It never fails the request.
/// </summary>
internal static class CustomRouteStep
{
    public static async ValueTask<RoutePlan> ApplyAsync(RouterEngine engine, ConfigSnapshot snapshot, RoutePlan plan, InboundRequest request)
    {
        ICustomRouterScript? script = engine.CustomRouter?.Current;
        if (script is null || plan.Source is RouteSource.Explicit or RouteSource.Preset or RouteSource.Subagent)
        {
            return plan;
        }

        long started = Stopwatch.GetTimestamp();
        // Counting is the costly part of the request object; a script that never names TokenCount does not pay for it.
        int tokens = plan.TokenEstimate >= 0 ? plan.TokenEstimate : script.UsesTokenCount ? Tokens.TokenCounter.Estimate(request.Body.Span) : -1;
        CustomRouteRequest routeRequest = CustomRouteRequestBuilder.Build(request.RequestId, request.Facts, request.Body.Span,
            RoutePlan.SourceName(plan.Source), plan.Targets[0].Key, tokens);

        CustomRouteChoice choice;
        TimeSpan budget = engine.CustomRouter!.Timeout;
        using (var deadline = new CancellationTokenSource(budget, engine.Time))
        {
            try
            {
                // WaitAsync bounds the wait even if a host ignored the token: the budget is Core's promise, not the host's.
                choice = await script.ChooseAsync(routeRequest, deadline.Token).AsTask().WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                choice = new CustomRouteChoice(CustomRouteOutcome.TimedOut);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The host promises not to throw; should it, the request still goes on with Ccr's choice.
                choice = new CustomRouteChoice(CustomRouteOutcome.Unavailable, Detail: "the script host failed: " + e.Message);
            }
        }

        switch (choice.Outcome)
        {
            case CustomRouteOutcome.Keep:
                engine.Metrics.RecordCustomRouter("kept");
                return plan;
            case CustomRouteOutcome.Value:
                return Resolve(engine, snapshot, plan, request, choice.Value!.Trim(), started);
            case CustomRouteOutcome.TimedOut:
                LogIgnored(engine, request, plan, "timed_out", "the script did not return within CUSTOM_ROUTER_TIMEOUT_MS (" +
                    ((int)budget.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) + " ms)" +
                    (choice.Detail is null ? " and was stopped" : ": " + choice.Detail) + "; make it faster or raise CUSTOM_ROUTER_TIMEOUT_MS", started);
                return plan;
            case CustomRouteOutcome.Threw:
                LogIgnored(engine, request, plan, "threw", "the script threw: " + choice.Detail, started);
                return plan;
            case CustomRouteOutcome.NotAString:
                LogIgnored(engine, request, plan, "not_a_string", "the script returned " + choice.Detail + "; return one string (\"provider,model\" or a preset name) or $null", started);
                return plan;
            default:
                LogIgnored(engine, request, plan, "unavailable", choice.Detail ?? "no runspace could take the call", started);
                return plan;
        }
    }

    private static RoutePlan Resolve(RouterEngine engine, ConfigSnapshot snapshot, RoutePlan plan, InboundRequest request, string value, long started)
    {
        if (value.Length == 0)
        {
            engine.Metrics.RecordCustomRouter("kept");
            return plan;
        }

        CcrConfig config = snapshot.Config;
        if (value.Contains(',', StringComparison.Ordinal))
        {
            if (RouteTarget.TryParse(value, out RouteTarget target) && snapshot.Find(target.Provider) is { } provider && provider.Config.HasModel(target.Model))
            {
                engine.Metrics.RecordCustomRouter("chosen");
                return RouteResolver.WithCustomChoice(snapshot, plan, new RouteTarget(provider.Name, target.Model), null);
            }

            LogIgnored(engine, request, plan, "unknown_route", "the script returned '" + value + "', which is not a provider,model of " +
                (config.SourcePath ?? "the config") + " (a provider in Providers and one of its models)", started);
            return plan;
        }

        if (config.Presets.TryGetValue(value, out PresetConfig? preset))
        {
            engine.Metrics.RecordCustomRouter("chosen");
            return RouteResolver.WithCustomChoice(snapshot, plan, preset.Route, preset);
        }

        LogIgnored(engine, request, plan, "unknown_route", "the script returned '" + value + "', which is neither provider,model nor a preset of " +
            (config.SourcePath ?? "the config"), started);
        return plan;
    }

    private static void LogIgnored(RouterEngine engine, InboundRequest request, RoutePlan plan, string outcome, string reason, long started)
    {
        engine.Metrics.RecordCustomRouter(outcome);
        PlannedTarget kept = plan.Targets[0];
        engine.Log.Write(new DecisionLogEntry
        {
            RequestId = request.RequestId,
            Event = "custom_router",
            RouteSource = RoutePlan.SourceName(plan.Source),
            Provider = kept.Target.Provider,
            Model = kept.Target.Model,
            Outcome = outcome,
            Reason = reason + "; keeping Ccr's choice",
            LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        });
    }
}
