namespace Ccr.Core.Presets;

/// <summary>
/// The file <c>Export-CcrPreset</c> writes and <c>Import-CcrPreset</c> reads: one JSON object that names itself
/// (<c>"CcrPresetExport": 1</c>) and holds <c>Presets</c> (the presets, as written in the source config),
/// <c>Providers</c> (exactly the providers their routes name, every key a <c>${VAR}</c> placeholder) and
/// <c>Variables</c> (each placeholder's name and what it stands for). It never holds a secret.
/// </summary>
public static class PresetExportFormat
{
    /// <summary>The member that marks the file as a Ccr preset export; its value is the format version.</summary>
    public const string MarkerMember = "CcrPresetExport";

    /// <summary>The format version this build writes and the highest it reads.</summary>
    public const int Version = 1;

    /// <summary>The member holding the presets, keyed by name as in a config's <c>Presets</c>.</summary>
    public const string PresetsMember = "Presets";

    /// <summary>The member holding the provider entries, as in a config's <c>Providers</c>.</summary>
    public const string ProvidersMember = "Providers";

    /// <summary>The member listing each placeholder variable and what it stands for.</summary>
    public const string VariablesMember = "Variables";
}
