using Ccr.Core.Config;

namespace Ccr.Core.Routing;

/// <summary>One place the request may be sent, in the order it will be tried.</summary>
/// <param name="Target">The provider,model pair.</param>
/// <param name="TierIndex">Its index in Router.tiers, or -1 when it is not a tier.</param>
/// <param name="TierName">The provider's tier_name, or tier-N, for logs and metrics.</param>
/// <param name="Provider">The provider, or null when the route names one the config does not define.</param>
internal readonly record struct PlannedTarget(RouteTarget Target, int TierIndex, string TierName, ProviderRuntime? Provider)
{
    /// <summary>The <c>provider,model</c> key health, logs and headers use; built once per plan, not at every use.</summary>
    public string Key { get; } = Target.ToString();
}
