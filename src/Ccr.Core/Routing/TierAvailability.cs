namespace Ccr.Core.Routing;

/// <summary>Whether a tier may be tried now.</summary>
internal enum TierState
{
    /// <summary>Healthy: try it.</summary>
    Ready,

    /// <summary>Upstream asked us to wait (429 Retry-After, rate-limit headers at zero): skip until the time given.</summary>
    CoolingDown,

    /// <summary>Too many consecutive failures: skip until the open period ends.</summary>
    CircuitOpen,

    /// <summary>The open period is over and this caller is the single probe that decides whether the circuit closes.</summary>
    HalfOpenProbe,
}

/// <summary>The answer of <see cref="TierHealth.Check"/>.</summary>
/// <param name="State">What the caller may do.</param>
/// <param name="Until">For CoolingDown and CircuitOpen, when the tier may be tried again.</param>
internal readonly record struct TierAvailability(TierState State, DateTimeOffset? Until)
{
    /// <summary>The tier may be tried (Ready, or this caller holds the half-open probe).</summary>
    public bool CanAttempt => State is TierState.Ready or TierState.HalfOpenProbe;

    /// <summary>A ready tier.</summary>
    public static TierAvailability Ready => new(TierState.Ready, null);

    /// <summary>A tier cooling down until <paramref name="until"/>.</summary>
    public static TierAvailability CoolingDown(DateTimeOffset until) => new(TierState.CoolingDown, until);

    /// <summary>A tier whose circuit is open until <paramref name="until"/>.</summary>
    public static TierAvailability CircuitOpen(DateTimeOffset until) => new(TierState.CircuitOpen, until);

    /// <summary>The single probe after the open period.</summary>
    public static TierAvailability HalfOpenProbe => new(TierState.HalfOpenProbe, null);
}

/// <summary>A tier's health for display (Get-CcrTier, /health).</summary>
/// <param name="Key">The <c>provider,model</c> key.</param>
/// <param name="State">The state now (HalfOpenProbe when the open period is over and a probe is due or running).</param>
/// <param name="Until">When a cooldown or open circuit ends.</param>
/// <param name="Requests">Attempts reported (successes and failures).</param>
/// <param name="Failures">Failed attempts reported.</param>
/// <param name="ConsecutiveFailures">Failures since the last success.</param>
/// <param name="LastError">The last failure's summary, secrets redacted.</param>
/// <param name="LastErrorAt">When it happened.</param>
/// <param name="CooldownReason">Why the tier last cooled down.</param>
internal sealed record TierHealthSnapshot(
    string Key,
    TierState State,
    DateTimeOffset? Until,
    long Requests,
    long Failures,
    int ConsecutiveFailures,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    string? CooldownReason);
