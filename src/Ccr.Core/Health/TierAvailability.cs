namespace Ccr.Core.Health;

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
