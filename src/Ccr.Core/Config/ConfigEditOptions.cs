using System.Text;
using System.Text.Json.Nodes;

namespace Ccr.Core.Config;

/// <summary>How an edit is carried out.</summary>
public sealed class ConfigEditOptions
{
    /// <summary>Where variables come from when the edited text is validated.</summary>
    public ConfigLoadOptions? LoadOptions { get; init; }

    /// <summary>How long to wait for another writer's lock before giving up (default 10 s).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Validate the edit but write nothing (for -WhatIf and previews).</summary>
    public bool DryRun { get; init; }
}
