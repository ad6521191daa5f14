using Ccr.Core.Config;

namespace Ccr.Core.Routing;

/// <summary>
/// Coding Plan terms allow its quota only from interactive coding tools: an interactive-only provider
/// is refused to a host nobody is driving, unless the caller forces it (a person really is there).
/// Every entry point that sends on the user's behalf (Invoke-CcrMessage, Test-CcrProvider) asks this.
/// </summary>
internal static class InteractivePolicy
{
    /// <summary>The refusal, or null when <paramref name="provider"/> may be used from <paramref name="host"/>.</summary>
    public static InteractiveRefusal? Check(ProviderConfig provider, HostInteractivity host, bool force)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(host);
        if (!provider.InteractiveOnly || force || host.IsInteractive)
        {
            return null;
        }

        return new InteractiveRefusal(provider, host.NonInteractiveReason ?? "the host is not interactive");
    }
}
