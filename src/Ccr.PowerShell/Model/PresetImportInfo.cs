namespace Ccr.PowerShell;

/// <summary>One preset Import-CcrPreset -PassThru merged, with what happened to its provider.</summary>
public sealed class PresetImportInfo
{
    /// <summary>The preset's name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Its route as <c>provider,model</c>.</summary>
    public string Route { get; init; } = "";

    /// <summary>True when it replaced a preset of the same name (-Force).</summary>
    public bool Replaced { get; init; }

    /// <summary><c>Added</c> when the provider was added from the export, <c>Kept</c> when the config's own entry was kept.</summary>
    public string Provider { get; init; } = "";

    /// <summary>For an added provider: the variable its key placeholder names (set it before using the preset).</summary>
    public string? KeyVariable { get; init; }

    /// <summary>The config imported into.</summary>
    public string ConfigPath { get; init; } = "";

    /// <summary>The preset's name.</summary>
    public override string ToString() => Name;
}
