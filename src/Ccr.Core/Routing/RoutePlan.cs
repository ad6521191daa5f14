using Ccr.Core.Config;

namespace Ccr.Core.Routing;

/// <summary>Why a request went where it went; logged with every decision.</summary>
internal enum RouteSource
{
    Explicit,
    Preset,
    Subagent,
    LongContext,
    Background,
    WebSearch,
    Think,
    Default,
    Tier0,
}

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

/// <summary>The ordered attempts for one request: the chosen target, then the fallback chain.</summary>
internal sealed class RoutePlan
{
    public RoutePlan(RouteSource source, PresetConfig? preset, IReadOnlyList<PlannedTarget> targets)
    {
        Source = source;
        Preset = preset;
        Targets = targets;
    }

    public RouteSource Source { get; }

    public PresetConfig? Preset { get; }

    public IReadOnlyList<PlannedTarget> Targets { get; }

    public static string SourceName(RouteSource source) => source switch
    {
        RouteSource.Explicit => "explicit",
        RouteSource.Preset => "preset",
        RouteSource.Subagent => "subagent",
        RouteSource.LongContext => "longContext",
        RouteSource.Background => "background",
        RouteSource.WebSearch => "webSearch",
        RouteSource.Think => "think",
        RouteSource.Default => "default",
        _ => "tier0",
    };
}
