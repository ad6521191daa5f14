namespace Ccr.Core.Health;

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
