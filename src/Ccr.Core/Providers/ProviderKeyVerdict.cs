namespace Ccr.Core.Providers;

/// <summary>How well a key fits the host it is sent to.</summary>
internal enum ProviderKeyVerdict
{
    /// <summary>Nothing wrong is known.</summary>
    Fits,

    /// <summary>The key looks like another family's; it may still work (a gateway, a reseller).</summary>
    Warning,

    /// <summary>
    /// The key is not the kind the host is known to take (e.g. a prefix rule). A prefix is a guess, so this is a
    /// warning and the provider's state <c>KeySuspect</c>, never a refusal: the key is still tried.
    /// </summary>
    Mismatch,
}
