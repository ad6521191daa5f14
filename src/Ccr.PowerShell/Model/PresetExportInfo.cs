namespace Ccr.PowerShell;

/// <summary>What Export-CcrPreset -PassThru reports: the file written and what it holds.</summary>
public sealed class PresetExportInfo
{
    /// <summary>The export file.</summary>
    public string Path { get; init; } = "";

    /// <summary>The presets in it.</summary>
    public IReadOnlyList<string> Presets { get; init; } = Array.Empty<string>();

    /// <summary>The providers written with them.</summary>
    public IReadOnlyList<string> Providers { get; init; } = Array.Empty<string>();

    /// <summary>The variables whose placeholders stand in for keys: whoever imports the file sets these.</summary>
    public IReadOnlyList<string> Variables { get; init; } = Array.Empty<string>();

    /// <summary>The config the presets came from (not named ConfigPath, so piping this object to Import-CcrPreset does not import back into it).</summary>
    public string SourceConfigPath { get; init; } = "";

    /// <summary>The export file.</summary>
    public override string ToString() => Path;
}
