using System.Diagnostics;
using Ccr.Core.Config;
using Ccr.Core.Protocol;

namespace Ccr.Core.Routing;

/// <summary>
/// Sends a minimal request (max_tokens 1) to exactly one provider and model, through the same
/// translation and upstream client as routed requests but without fallback: a test of one provider
/// must never spend another tier's quota.
/// </summary>
internal static class ProviderPing
{
    public static async Task<ProviderPingResult> PingAsync(RouterEngine engine, string providerName, string model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ConfigSnapshot snapshot = engine.Snapshot;
        ProviderRuntime provider = snapshot.Find(providerName)
            ?? throw new ArgumentException("No provider named '" + providerName + "' in the config.", nameof(providerName));
        var target = new PlannedTarget(new RouteTarget(provider.Name, model), -1, provider.Config.TierName ?? provider.Name, provider);
        var plan = new RoutePlan(RouteSource.Explicit, null, new[] { target });
        byte[] body = MessageRequestWriter.Write(new MessageRequestSpec { Model = provider.Name + "," + model, Message = "ping", MaxTokens = 1 });
        var request = new InboundRequest
        {
            Body = body,
            Facts = RequestFacts.Read(body),
            RequestId = "req_ccr_test_" + Guid.NewGuid().ToString("N"),
            ForwardHeaders = MessageRequestWriter.DefaultHeaders,
        };
        var sink = new MessageCollector();
        long started = Stopwatch.GetTimestamp();

        // The provider counts the ping against the plan, so the local quota does too.
        engine.Quota.RecordRequest(provider.Config);
        AttemptResult result = await AttemptExecutor.ExecuteAsync(engine, snapshot, plan, target, request, sink, cancellationToken).ConfigureAwait(false);
        double latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (result.Outcome == AttemptOutcome.Succeeded)
        {
            engine.Health.RecordSuccess(target.Key);
            return new ProviderPingResult(true, ProviderPingFailure.None, null, latency, sink.Model);
        }

        UpstreamFailure? failure = result.Failure;
        if (failure is not null && failure.Kind == FailureKind.QuotaExceeded)
        {
            engine.Quota.MarkExhausted(provider.Config, null);
        }

        return new ProviderPingResult(false, failure is null ? ProviderPingFailure.Cancelled : FailureOf(failure.Kind), failure?.Error, latency, sink.Model);
    }

    private static ProviderPingFailure FailureOf(FailureKind kind) => kind switch
    {
        FailureKind.Timeout => ProviderPingFailure.Timeout,
        FailureKind.Network => ProviderPingFailure.Network,
        FailureKind.Auth => ProviderPingFailure.Auth,
        FailureKind.QuotaExceeded => ProviderPingFailure.QuotaExceeded,
        FailureKind.RateLimited => ProviderPingFailure.RateLimited,
        FailureKind.BadRequest or FailureKind.ContextTooLong => ProviderPingFailure.RequestRefused,
        _ => ProviderPingFailure.Failed,
    };
}
