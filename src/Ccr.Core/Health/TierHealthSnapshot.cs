namespace Ccr.Core.Health;

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
