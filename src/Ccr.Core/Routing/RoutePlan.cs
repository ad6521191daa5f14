using Ccr.Core.Config;

namespace Ccr.Core.Routing;

/// <summary>The ordered attempts for one request: the chosen target, then the fallback chain.</summary>
internal sealed class RoutePlan
{
    public RoutePlan(RouteSource source, PresetConfig? preset, IReadOnlyList<PlannedTarget> targets, int tokenEstimate = -1)
    {
        Source = source;
        Preset = preset;
        Targets = targets;
        TokenEstimate = tokenEstimate;
    }

    public RouteSource Source { get; }

    public PresetConfig? Preset { get; }

    public IReadOnlyList<PlannedTarget> Targets { get; }

    /// <summary>The token estimate long-context routing computed, or -1 when it was not needed; a custom router reuses it instead of counting again.</summary>
    public int TokenEstimate { get; }

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
        RouteSource.Custom => "custom",
        _ => "tier0",
    };
}
