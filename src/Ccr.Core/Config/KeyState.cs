namespace Ccr.Core.Config;

/// <summary>Whether a provider has a usable key.</summary>
public enum KeyState
{
    /// <summary>A key is set (or none is needed).</summary>
    Ok,

    /// <summary>The key names an environment variable that is not set: the provider is skipped.</summary>
    KeyMissing,

    /// <summary>
    /// A key is set but does not look like the kind its host takes (a provider family's prefix rule). Prefixes are a
    /// guess (vendors change them), so the provider is still tried; if the host refuses the key, the usual auth
    /// failure applies.
    /// </summary>
    KeySuspect,
}
