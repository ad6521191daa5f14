namespace Ccr.Core.Config;

/// <summary>Whether a provider has a usable key.</summary>
public enum KeyState
{
    /// <summary>A key is set (or none is needed).</summary>
    Ok,

    /// <summary>The key names an environment variable that is not set: the provider is skipped.</summary>
    KeyMissing,
}
