using Ccr.Core.Config;

namespace Ccr.Core.Presets;

/// <summary>What <see cref="PresetImporter"/> merged (or, on a dry run, would merge) into a config.</summary>
public sealed class PresetImportResult
{
    /// <summary>Creates a result.</summary>
    public PresetImportResult(ConfigEditResult edit, IReadOnlyList<string> presets, IReadOnlyList<string> replaced, IReadOnlyList<ImportedProvider> providers)
    {
        Edit = edit;
        Presets = presets;
        Replaced = replaced;
        Providers = providers;
    }

    /// <summary>The edit: the config file, whether it changed, the loaded result, the backup.</summary>
    public ConfigEditResult Edit { get; }

    /// <summary>The presets imported, by name.</summary>
    public IReadOnlyList<string> Presets { get; }

    /// <summary>Those of <see cref="Presets"/> that replaced a preset of the same name (only with Force).</summary>
    public IReadOnlyList<string> Replaced { get; }

    /// <summary>Each provider the imported presets route to: added, or kept as the target had it.</summary>
    public IReadOnlyList<ImportedProvider> Providers { get; }
}
