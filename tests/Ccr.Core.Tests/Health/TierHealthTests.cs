using Ccr.Core.Health;
using Ccr.Core.Routing;
using Microsoft.Extensions.Time.Testing;

namespace Ccr.Core.Tests.Health;

public sealed class TierHealthTests
{
    private const string Key = "qwen,qwen3-coder-plus";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 4, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public void NewTier_IsReady()
    {
        var health = new TierHealth(_time);
        Assert.Equal(TierState.Ready, health.Check(Key).State);
        Assert.Contains(Key, health.Keys);
    }

    [Fact]
    public void CoolDown_SkipsUntilItExpires()
    {
        var health = new TierHealth(_time);
        health.CoolDown(Key, TimeSpan.FromSeconds(20), "429 Retry-After: 20");

        TierAvailability cooling = health.Check(Key);
        Assert.Equal(TierState.CoolingDown, cooling.State);
        Assert.Equal(_time.GetUtcNow().AddSeconds(20), cooling.Until);
        Assert.False(cooling.CanAttempt);
        Assert.Equal("429 Retry-After: 20", health.Snapshot(Key).CooldownReason);

        _time.Advance(TimeSpan.FromSeconds(19.9));
        Assert.Equal(TierState.CoolingDown, health.Check(Key).State);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(TierState.Ready, health.Check(Key).State);
    }

    [Fact]
    public void CoolDown_ShorterRequest_KeepsTheLongerCooldown()
    {
        var health = new TierHealth(_time);
        health.CoolDown(Key, TimeSpan.FromMinutes(5), "long");
        health.CoolDown(Key, TimeSpan.FromSeconds(1), "short");
        Assert.Equal(_time.GetUtcNow().AddMinutes(5), health.Check(Key).Until);
    }

    [Fact]
    public void Circuit_OpensAfterThresholdConsecutiveFailures()
    {
        var health = new TierHealth(_time, failureThreshold: 3, openDuration: TimeSpan.FromSeconds(30));
        health.RecordFailure(Key, "503");
        health.RecordFailure(Key, "503");
        health.RecordSuccess(Key);
        health.RecordFailure(Key, "503");
        health.RecordFailure(Key, "503");
        Assert.Equal(TierState.Ready, health.Check(Key).State);

        health.RecordFailure(Key, "connection refused");
        TierAvailability open = health.Check(Key);
        Assert.Equal(TierState.CircuitOpen, open.State);
        Assert.Equal(_time.GetUtcNow().AddSeconds(30), open.Until);

        TierHealthSnapshot snapshot = health.Snapshot(Key);
        Assert.Equal(6, snapshot.Requests);
        Assert.Equal(5, snapshot.Failures);
        Assert.Equal(3, snapshot.ConsecutiveFailures);
        Assert.Equal("connection refused", snapshot.LastError);
        Assert.Equal(_time.GetUtcNow(), snapshot.LastErrorAt);
    }

    [Fact]
    public void HalfOpen_AllowsExactlyOneProbe()
    {
        var health = new TierHealth(_time, failureThreshold: 1, openDuration: TimeSpan.FromSeconds(30));
        health.RecordFailure(Key, "500");
        _time.Advance(TimeSpan.FromSeconds(30));

        TierAvailability[] answers = new TierAvailability[64];
        Parallel.For(0, answers.Length, i => answers[i] = health.Check(Key));

        Assert.Equal(1, answers.Count(a => a.State == TierState.HalfOpenProbe));
        Assert.All(answers.Where(a => a.State != TierState.HalfOpenProbe), a => Assert.Equal(TierState.CircuitOpen, a.State));
    }

    [Fact]
    public void HalfOpen_ProbeSuccess_ClosesTheCircuit()
    {
        var health = new TierHealth(_time, failureThreshold: 1);
        health.RecordFailure(Key, "500");
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TierState.HalfOpenProbe, health.Check(Key).State);

        health.RecordSuccess(Key);
        Assert.Equal(TierState.Ready, health.Check(Key).State);
        Assert.Equal(TierState.Ready, health.Check(Key).State);
        Assert.Equal(0, health.Snapshot(Key).ConsecutiveFailures);
    }

    [Fact]
    public void HalfOpen_ProbeFailure_ReopensForAnotherPeriod()
    {
        var health = new TierHealth(_time, failureThreshold: 5);
        for (int i = 0; i < 5; i++)
        {
            health.RecordFailure(Key, "500");
        }

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TierState.HalfOpenProbe, health.Check(Key).State);
        health.RecordFailure(Key, "still 500");

        TierAvailability reopened = health.Check(Key);
        Assert.Equal(TierState.CircuitOpen, reopened.State);
        Assert.Equal(_time.GetUtcNow().AddSeconds(30), reopened.Until);
    }

    [Fact]
    public void HalfOpen_AbandonedProbe_AllowsAnotherAfterAnOpenPeriod()
    {
        var health = new TierHealth(_time, failureThreshold: 1);
        health.RecordFailure(Key, "500");
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TierState.HalfOpenProbe, health.Check(Key).State);
        Assert.Equal(TierState.CircuitOpen, health.Check(Key).State);

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TierState.HalfOpenProbe, health.Check(Key).State);
    }

    [Fact]
    public void RecordFailure_RedactsRegisteredSecretsInTheLastError()
    {
        string secret = "sk-sp-" + Guid.NewGuid().ToString("N");
        Ccr.Core.Telemetry.SecretRedactor.Register(secret);
        var health = new TierHealth(_time);
        health.RecordFailure(Key, "401 invalid key " + secret);
        Assert.DoesNotContain(secret, health.Snapshot(Key).LastError, StringComparison.Ordinal);
        Assert.EndsWith(secret[^4..], health.Snapshot(Key).LastError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "1s", 1)]
    [InlineData("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "6m0s", 360)]
    [InlineData("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "1h2m3.5s", 3723.5)]
    [InlineData("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "250ms", 0.25)]
    [InlineData("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "20", 20)]
    [InlineData("x-ratelimit-remaining", "0", "x-ratelimit-reset", "1772618460", 60)]
    [InlineData("x-ratelimit-remaining", "0", "x-ratelimit-reset", "soon", 5)]
    public void RateLimitHeaders_AtZero_CoolDownUntilReset(string remainingName, string remaining, string resetName, string reset, double expectedSeconds)
    {
        // 1772618460 is 2026-03-04T10:01:00Z, a minute after the fake clock's start.
        var health = new TierHealth(_time);
        var headers = new Dictionary<string, string> { [remainingName] = remaining, [resetName] = reset };

        Assert.True(health.ApplyRateLimitHeaders(Key, headers));
        TierAvailability availability = health.Check(Key);
        Assert.Equal(TierState.CoolingDown, availability.State);
        Assert.Equal(_time.GetUtcNow().AddSeconds(expectedSeconds), availability.Until);
    }

    [Fact]
    public void RateLimitHeaders_WithRequestsLeft_ChangeNothing()
    {
        var health = new TierHealth(_time);
        var headers = new Dictionary<string, string> { ["x-ratelimit-remaining-requests"] = "12", ["x-ratelimit-reset-requests"] = "6m0s" };
        Assert.False(health.ApplyRateLimitHeaders(Key, headers));
        Assert.False(health.ApplyRateLimitHeaders(Key, new Dictionary<string, string>()));
        Assert.Equal(TierState.Ready, health.Check(Key).State);
    }

    [Fact]
    public void RateLimitHeaders_FromAnHttpResponse_AreRead()
    {
        var health = new TierHealth(_time);
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        response.Headers.TryAddWithoutValidation("x-ratelimit-remaining-requests", "0");
        response.Headers.TryAddWithoutValidation("x-ratelimit-reset-requests", "30s");
        Assert.True(health.ApplyRateLimitHeaders(Key, response.Headers));
        Assert.Equal(_time.GetUtcNow().AddSeconds(30), health.Check(Key).Until);
    }

    [Fact]
    public void TryParseReset_ReadsAnHttpDate()
    {
        DateTimeOffset now = _time.GetUtcNow();
        Assert.True(TierHealth.TryParseReset("Wed, 04 Mar 2026 10:05:00 GMT", now, out DateTimeOffset until));
        Assert.Equal(now.AddMinutes(5), until);
        Assert.False(TierHealth.TryParseReset("5 parsecs", now, out _));
        Assert.False(TierHealth.TryParseReset("-3", now, out _));
    }
}
