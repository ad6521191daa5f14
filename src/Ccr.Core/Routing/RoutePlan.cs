using Ccr.Core.Config;

namespace Ccr.Core.Routing;

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
