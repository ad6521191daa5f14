using Ccr.Core.Config;
using Ccr.Core.Providers;
using Ccr.Core.Telemetry;

namespace Ccr.Core.Routing;

/// <summary>Where an engine keeps its files and which clock it reads; tests point both at temp folders and fake time.</summary>
internal sealed class RouterEngineOptions
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Folder of the quota store; default ~/.claude-code-router/state.</summary>
    public string? StateFolder { get; init; }

    /// <summary>Folder of the decision log; default ~/.claude-code-router/logs.</summary>
    public string? LogFolder { get; init; }
}
