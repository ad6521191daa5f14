namespace Ccr.Core.Server;

/// <summary>Whether a tier can take requests, as <c>GET /ccr/tiers</c> reports it (the member names are the wire values).</summary>
internal enum TierAvailability
{
    /// <summary>The provider exists, lists the model, has a key, and nothing holds the tier back.</summary>
    Ready,

    /// <summary>The provider's key variable is not set.</summary>
    KeyMissing,

    /// <summary>No provider has this name.</summary>
    UnknownProvider,

    /// <summary>The provider does not list this model.</summary>
    UnknownModel,

    /// <summary>The upstream asked to back off.</summary>
    CoolingDown,

    /// <summary>A local quota window is used up.</summary>
    QuotaExhausted,

    /// <summary>Too many failures in a row.</summary>
    CircuitOpen,

    /// <summary>Nothing holds the tier back, but its key does not look like the kind the host takes; it is still tried.</summary>
    KeySuspect,
}
