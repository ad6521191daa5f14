using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Health;
using Ccr.Core.Protocol;
using Ccr.Core.Telemetry;

namespace Ccr.Core.Routing;

/// <summary>
/// Routes one Messages request through its planned targets: skips tiers that cannot serve
/// (key missing, cooling down, circuit open, out of quota), retries per tierRetries, falls to the
/// next tier on retryable failures, and commits to a target only when its first byte is good.
/// A timeout leaves the tier at once and cools it down; the whole request ends within REQUEST_TIMEOUT_MS.
/// </summary>
internal sealed class MessageRouter
{
    /// <summary>A Retry-After longer than this is not waited for: the tier cools down and the next one is tried.</summary>
    private static readonly TimeSpan s_maxInlineRetryWait = TimeSpan.FromSeconds(2);

    private readonly RouterEngine _engine;

    public MessageRouter(RouterEngine engine)
    {
        _engine = engine;
    }

    public async Task<RouteResult> RouteAsync(InboundRequest request, IResponseSink sink, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        ConfigSnapshot snapshot = _engine.Snapshot;
        RoutePlan plan;
        try
        {
            plan = RouteResolver.Resolve(snapshot, request.Facts, request.Body.Span, request.PresetName);
        }
        catch (RoutingException e)
        {
            await WriteErrorAsync(sink, e.Error, request.RequestId, cancellationToken).ConfigureAwait(false);
            Log(request, "route", null, null, 0, e.Error.Status, "error", started, e.Error);
            return new RouteResult { Status = e.Error.Status, Error = e.Error, LatencyMs = ElapsedMs(started) };
        }

        if (_engine.CustomRouter is not null)
        {
            plan = await CustomRouteStep.ApplyAsync(_engine, snapshot, plan, request).ConfigureAwait(false);
        }

        string routeSource = RoutePlan.SourceName(plan.Source);
        _engine.Log.Write(new DecisionLogEntry
        {
            Time = _engine.Time.GetUtcNow(),
            RequestId = request.RequestId,
            Event = "route",
            RouteSource = routeSource,
            Provider = plan.Targets[0].Target.Provider,
            Model = plan.Targets[0].Target.Model,
            TierIndex = plan.Targets[0].TierIndex,
            TierName = plan.Targets[0].TierName,
            Preset = request.PresetName,

            // Bodies hold the user's code and prompts: logged only when LOG_BODIES says so.
            Body = snapshot.Config.LogBodies ? System.Text.Encoding.UTF8.GetString(request.Body.Span) : null,
        });

        // The total deadline covers every tier and the stream that follows, so the client hears back within a known bound.
        using var requestDeadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Max(1, snapshot.Config.RequestTimeoutMs)), _engine.Time);
        using CancellationTokenRegistration stopping = request.ServerStopping.Register(static state => ((CancellationTokenSource)state!).Cancel(), requestDeadline);
        var skipped = new StringBuilder();
        bool onlyLimited = true;
        DateTimeOffset? retryAt = null;
        UpstreamFailure? lastFailure = null;
        string? previousProvider = null;
        int attempts = 0;

        foreach (PlannedTarget target in plan.Targets)
        {
            if (requestDeadline.IsCancellationRequested)
            {
                break;
            }

            SkipReason skipReason = Check(target, out DateTimeOffset? until);
            if (skipReason != SkipReason.None)
            {
                string reason = ReasonText(skipReason);
                NoteSkip(skipped, target, reason, until);
                _engine.Log.Write(SkipLogLine.Build(_engine, request, target, routeSource, skipReason, until, ElapsedMs(started)));
                if (skipReason is SkipReason.Cooldown or SkipReason.Quota && until is DateTimeOffset limitedUntil)
                {
                    retryAt = retryAt is null || limitedUntil < retryAt ? limitedUntil : retryAt;
                }
                else
                {
                    onlyLimited = false;
                }

                if (skipReason == SkipReason.Quota)
                {
                    _engine.Metrics.RecordQuotaSkip(target.Target.Provider, target.TierName);
                }

                continue;
            }

            ProviderRuntime provider = target.Provider!;
            if (previousProvider is not null)
            {
                _engine.Metrics.RecordFallback(previousProvider, provider.Name);
            }

            previousProvider = provider.Name;
            RetryPolicy policy = snapshot.Config.Router.RetryPolicyFor(Math.Max(target.TierIndex, 0), provider.Config.TierName);
            bool timedOut = false;
            for (int attempt = 0; attempt <= policy.MaxRetries; attempt++)
            {
                if (attempt > 0)
                {
                    _engine.Metrics.RecordRetry(provider.Name, target.TierName);
                    TimeSpan delay = Backoff(policy, attempt, lastFailure?.RetryAfter);
                    if (!await WaitAsync(delay, requestDeadline.Token, cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }
                }

                attempts++;
                long attemptStarted = Stopwatch.GetTimestamp();
                _engine.Quota.RecordRequest(provider.Config);
                AttemptResult result = await AttemptExecutor.ExecuteAsync(_engine, snapshot, plan, target, request, sink, requestDeadline.Token, cancellationToken).ConfigureAwait(false);
                AttemptUsage.Count(_engine.Usage, plan, target, attempt, result);
                double attemptMs = ElapsedMs(attemptStarted);
                _engine.Metrics.RecordLatency(provider.Name, target.TierName, attemptMs);
                _engine.Live.RecordAttempt(target.Key, attemptMs, result.Outcome is not (AttemptOutcome.Succeeded or AttemptOutcome.ClientGone));

                if (result.Outcome == AttemptOutcome.Succeeded)
                {
                    _engine.Health.RecordSuccess(target.Key);
                    _engine.Sessions.Record(request.Facts.SessionId, target, plan.Targets[0]);
                    _engine.Metrics.RecordAttempt(provider.Name, target.TierName, "ok");
                    LogAttempt(request, target, attempt, routeSource, 200, "ok", attemptMs, result.Summary, null);
                    return new RouteResult
                    {
                        Succeeded = true,
                        Status = 200,
                        Provider = provider.Name,
                        Model = target.Target.Model,
                        TierName = target.TierName,
                        TierIndex = target.TierIndex,
                        Attempts = attempts,
                        Summary = result.Summary,
                        LatencyMs = ElapsedMs(started),
                    };
                }

                if (result.Outcome == AttemptOutcome.ClientGone)
                {
                    _engine.Metrics.RecordAttempt(provider.Name, target.TierName, "client_gone");
                    LogAttempt(request, target, attempt, routeSource, 499, "client_gone", attemptMs, result.Summary, null);
                    return new RouteResult { Status = 499, Provider = provider.Name, Model = target.Target.Model, TierName = target.TierName, Attempts = attempts, LatencyMs = ElapsedMs(started) };
                }

                UpstreamFailure failure = result.Failure!;
                lastFailure = failure;
                _engine.Metrics.RecordFailure(provider.Name, target.TierName, failure.Error.Type);

                if (result.Outcome == AttemptOutcome.FailedAfterStart)
                {
                    // Bytes already reached the client: the stream ended with an error event; no fallback is possible.
                    _engine.Health.RecordFailure(target.Key, failure.Error.Message);
                    _engine.Metrics.RecordAttempt(provider.Name, target.TierName, "error_mid_stream");
                    LogAttempt(request, target, attempt, routeSource, failure.Error.Status, "error", attemptMs, result.Summary, failure.Error, result.Deadline);
                    return new RouteResult { Status = failure.Error.Status, Provider = provider.Name, Model = target.Target.Model, TierName = target.TierName, Attempts = attempts, Error = failure.Error, LatencyMs = ElapsedMs(started) };
                }

                if (failure.ClientFault)
                {
                    // The request itself is wrong: every tier would refuse it, so do not burn their quota.
                    _engine.Metrics.RecordAttempt(provider.Name, target.TierName, "client_error");
                    LogAttempt(request, target, attempt, routeSource, failure.Error.Status, "error", attemptMs, null, failure.Error);
                    await WriteErrorAsync(sink, failure.Error, request.RequestId, cancellationToken).ConfigureAwait(false);
                    return new RouteResult { Status = failure.Error.Status, Provider = provider.Name, Model = target.Target.Model, TierName = target.TierName, Attempts = attempts, Error = failure.Error, LatencyMs = ElapsedMs(started) };
                }

                if (result.Deadline == UpstreamDeadline.Request)
                {
                    // The request's own time ran out: not the tier's fault, and no other tier has time left either.
                    _engine.Metrics.RecordAttempt(provider.Name, target.TierName, "request_timeout");
                    LogAttempt(request, target, attempt, routeSource, failure.Error.Status, "error", attemptMs, null, failure.Error, result.Deadline);
                    break;
                }

                _engine.Health.RecordFailure(target.Key, failure.Error.Message);
                bool moveOn = ShouldLeaveTier(provider, target, failure, result.Deadline, attempt, policy, ref timedOut);
                string outcome = moveOn ? "fallback" : "retry";
                _engine.Metrics.RecordAttempt(provider.Name, target.TierName, outcome);
                LogAttempt(request, target, attempt, routeSource, failure.Error.Status, outcome, attemptMs, null, failure.Error, result.Deadline);
                if (moveOn)
                {
                    NoteSkip(skipped, target, failure.Error.Type + ": " + failure.Error.Message, null);
                    break;
                }
            }
        }

        AnthropicError final = FinalError(lastFailure, skipped);
        if (requestDeadline.IsCancellationRequested)
        {
            string tried = " Tiers tried: " + (skipped.Length == 0 ? "none" : skipped.ToString()) + ".";
            final = request.ServerStopping.IsCancellationRequested ? AttemptClock.ShutdownError("", tried) : AttemptClock.RequestTimeoutError("", tried);
        }
        else if (lastFailure is null && onlyLimited && retryAt is DateTimeOffset at)
        {
            // Every tier is rate limited or out of quota: say so as a 429 clients know how to wait for.
            int seconds = (int)Math.Clamp(Math.Ceiling((at - _engine.Time.GetUtcNow()).TotalSeconds), 1, 86_400);
            sink.SetHeader("retry-after", seconds.ToString(CultureInfo.InvariantCulture));
            final = new AnthropicError(429, "rate_limit_error",
                "Every tier is rate limited or out of quota: " + skipped + ". Retry after " + seconds.ToString(CultureInfo.InvariantCulture) + " s, or add a tier.");
        }

        await WriteErrorAsync(sink, final, request.RequestId, cancellationToken).ConfigureAwait(false);
        Write(request, "result", null, routeSource, attempts, final.Status, "error", ElapsedMs(started), null, final,
            requestDeadline.IsCancellationRequested ? UpstreamDeadline.Request : UpstreamDeadline.None);
        return new RouteResult { Status = final.Status, Attempts = attempts, Error = final, LatencyMs = ElapsedMs(started) };
    }

    /// <summary>Says whether <paramref name="target"/> can be tried now, and if it is limited, until when.</summary>
    internal SkipReason Check(PlannedTarget target, out DateTimeOffset? until)
    {
        until = null;
        if (target.Provider is null)
        {
            return SkipReason.UnknownProvider;
        }

        if (target.Provider.Config.KeyState == KeyState.KeyMissing)
        {
            return SkipReason.KeyMissing;
        }

        TierAvailability availability = _engine.Health.Check(target.Key);
        if (availability.State == TierState.CoolingDown)
        {
            until = availability.Until;
            return SkipReason.Cooldown;
        }

        if (availability.State == TierState.CircuitOpen)
        {
            until = availability.Until;
            return SkipReason.CircuitOpen;
        }

        if (_engine.Quota.IsExhausted(target.Provider.Config, out DateTimeOffset quotaUntil))
        {
            until = quotaUntil;
            return SkipReason.Quota;
        }

        return SkipReason.None;
    }

    /// <summary>The reason as the decision log and the final error name it (operators grep for these).</summary>
    internal static string ReasonText(SkipReason reason) => reason switch
    {
        SkipReason.UnknownProvider => "unknown_provider",
        SkipReason.KeyMissing => "key_missing",
        SkipReason.Cooldown => "cooldown",
        SkipReason.CircuitOpen => "circuit_open",
        SkipReason.Quota => "quota",
        _ => "none",
    };

    /// <summary>Decides whether a failed attempt is retried on this tier or the request moves to the next tier.</summary>
    /// <remarks><paramref name="timedOut"/>: this tier has timed out before in this request; set here when it does.</remarks>
    private bool ShouldLeaveTier(ProviderRuntime provider, PlannedTarget target, UpstreamFailure failure, UpstreamDeadline deadline, int attempt, RetryPolicy policy, ref bool timedOut)
    {
        switch (failure.Kind)
        {
            case FailureKind.Timeout:
                // A provider that did not answer in time is seldom a blip: retrying it costs another whole deadline. Unless
                // the tier allows one retry on a timeout, move on now, and let the next requests skip the tier for a while.
                if (policy.RetryOnTimeout && !timedOut && attempt < policy.MaxRetries)
                {
                    timedOut = true;
                    return false;
                }

                _engine.Health.CoolDown(target.Key, TierHealth.TimeoutCooldown, deadline == UpstreamDeadline.None ? "timeout" : AttemptClock.DeadlineText(deadline));
                return true;
            case FailureKind.QuotaExceeded:
                _engine.Quota.MarkExhausted(provider.Config, failure.Limit);
                _engine.Metrics.RecordRateLimited(provider.Name, target.TierName);
                return true;
            case FailureKind.RateLimited:
                _engine.Metrics.RecordRateLimited(provider.Name, target.TierName);
                if (failure.RetryAfter is TimeSpan retryAfter)
                {
                    _engine.Health.CoolDown(target.Key, retryAfter, "429 Retry-After");
                    if (retryAfter > s_maxInlineRetryWait)
                    {
                        return true;
                    }
                }

                break;
            case FailureKind.Auth:
                // A bad key does not heal by retrying.
                return true;
        }

        return !failure.Retryable || attempt >= policy.MaxRetries;
    }

    private static TimeSpan Backoff(RetryPolicy policy, int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is TimeSpan wait && wait <= s_maxInlineRetryWait)
        {
            return wait;
        }

        double baseMs = policy.BaseBackoffMs * Math.Pow(policy.BackoffMultiplier, attempt - 1);

        // Full jitter in [50%, 100%] keeps retries from many clients from arriving in lockstep.
        double jittered = baseMs * (0.5 + (Random.Shared.NextDouble() * 0.5));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, 30_000));
    }

    private static void NoteSkip(StringBuilder skipped, PlannedTarget target, string reason, DateTimeOffset? until)
    {
        skipped.Append(skipped.Length == 0 ? "" : "; ").Append(target.Key).Append(" (").Append(reason);
        if (until is DateTimeOffset u)
        {
            skipped.Append(" until ").Append(u.ToString("u", CultureInfo.InvariantCulture));
        }

        skipped.Append(')');
    }

    private static AnthropicError FinalError(UpstreamFailure? lastFailure, StringBuilder skipped)
    {
        if (lastFailure is not null)
        {
            return lastFailure.Error with { Message = lastFailure.Error.Message + " [all tiers tried: " + skipped + "]" };
        }

        return new AnthropicError(503, "overloaded_error",
            "No tier could take the request: " + skipped + ". Check keys and quotas with Get-CcrTier and Test-CcrProvider.");
    }

    private static Task WriteErrorAsync(IResponseSink sink, AnthropicError error, string requestId, CancellationToken cancellationToken)
    {
        if (sink.HasStarted)
        {
            return Task.CompletedTask;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        error.WriteJson(buffer, requestId);
        return sink.WriteCompleteAsync(error.Status, "application/json", buffer.WrittenMemory, cancellationToken).AsTask();
    }

    /// <summary>
    /// Waits out a retry backoff; false when the request's total deadline passed first. The client leaving still
    /// throws, as it always did.
    /// </summary>
    private async Task<bool> WaitAsync(TimeSpan delay, CancellationToken requestDeadline, CancellationToken clientToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(requestDeadline, clientToken);
        try
        {
            await Task.Delay(delay, _engine.Time, either.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!clientToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private void LogAttempt(InboundRequest request, PlannedTarget target, int attempt, string routeSource, int status, string outcome, double latencyMs, ResponseSummary? summary, AnthropicError? error, UpstreamDeadline deadline = UpstreamDeadline.None) =>
        Write(request, "attempt", target, routeSource, attempt, status, outcome, latencyMs, summary, error, deadline);

    private void Log(InboundRequest request, string evt, PlannedTarget? target, string? routeSource, int attempt, int status, string outcome, long started, AnthropicError? error) =>
        Write(request, evt, target, routeSource, attempt, status, outcome, ElapsedMs(started), null, error);

    private void Write(InboundRequest request, string evt, PlannedTarget? target, string? routeSource, int attempt, int status, string outcome, double latencyMs, ResponseSummary? summary, AnthropicError? error, UpstreamDeadline deadline = UpstreamDeadline.None)
    {
        _engine.Log.Write(new DecisionLogEntry
        {
            Time = _engine.Time.GetUtcNow(),
            RequestId = request.RequestId,
            Event = evt,
            RouteSource = routeSource,
            Provider = target?.Target.Provider,
            Model = target?.Target.Model,
            TierIndex = target?.TierIndex ?? -1,
            TierName = target?.TierName,
            Attempt = attempt,
            Status = status == 0 ? null : status,
            Outcome = outcome,
            LatencyMs = Math.Round(latencyMs, 2),
            InputTokens = summary?.InputTokens,
            OutputTokens = summary?.OutputTokens,
            ErrorType = error?.Type,
            ErrorMessage = error?.Message,
            Deadline = deadline == UpstreamDeadline.None ? null : AttemptClock.DeadlineText(deadline),
        });
    }

    private static double ElapsedMs(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
