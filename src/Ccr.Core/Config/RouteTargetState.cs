namespace Ccr.Core.Config;

/// <summary>What the config alone says about a route target (live states such as cooldown come from routing).</summary>
public enum RouteTargetState
{
    /// <summary>The provider exists, serves the model and has a key that looks right for its host.</summary>
    Ready,

    /// <summary>The provider's key variable is not set.</summary>
    KeyMissing,

    /// <summary>No provider has this name.</summary>
    UnknownProvider,

    /// <summary>The provider does not list this model.</summary>
    UnknownModel,

    /// <summary>The provider's key does not look like the kind its host takes; the target is still used.</summary>
    KeySuspect,
}
