namespace Ccr.Core.Providers;

/// <summary>How well a key fits the host it is sent to.</summary>
internal enum ProviderKeyVerdict
{
    /// <summary>Nothing wrong is known.</summary>
    Fits,

    /// <summary>The key looks like another family's; it may still work (a gateway, a reseller).</summary>
    Warning,

    /// <summary>The host refuses this kind of key: a config error.</summary>
    Mismatch,
}
