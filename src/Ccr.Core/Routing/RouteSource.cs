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

    /// <summary>A custom router script (CUSTOM_ROUTER_PATH or Register-CcrRouter) chose the target.</summary>
    Custom,
}
