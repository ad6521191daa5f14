using Ccr.Core.Config;

namespace Ccr.Core.Presets;

/// <summary>How <see cref="PresetImporter"/> merges an export into a config.</summary>
public sealed class PresetImportOptions
{
    /// <summary>Only these presets of the export (by name, ignoring case); all of them when null or empty.</summary>
    public IReadOnlyList<string>? Names { get; init; }

    /// <summary>Replace a preset of the same name instead of refusing the import.</summary>
    public bool Force { get; init; }

    /// <summary>Check and plan everything, write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Variable sources for validating the result.</summary>
    public ConfigLoadOptions? LoadOptions { get; init; }
}
