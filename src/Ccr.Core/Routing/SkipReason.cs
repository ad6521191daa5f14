namespace Ccr.Core.Routing;

/// <summary>Why a planned target was not tried at all.</summary>
internal enum SkipReason
{
    /// <summary>It can be tried.</summary>
    None,

    /// <summary>The route names a provider the config does not have.</summary>
    UnknownProvider,

    /// <summary>The provider's key comes from a variable that is not set.</summary>
    KeyMissing,

    /// <summary>The tier is cooling down after a 429 or rate-limit headers.</summary>
    Cooldown,

    /// <summary>The tier's circuit breaker is open after repeated failures.</summary>
    CircuitOpen,

    /// <summary>A local quota window of the provider is used up.</summary>
    Quota,
}
