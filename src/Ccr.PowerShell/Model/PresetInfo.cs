using Ccr.Core.Config;

namespace Ccr.PowerShell;

/// <summary>One entry of <c>Presets</c>, as Get-CcrPreset shows it.</summary>
public sealed class PresetInfo
{
    /// <summary>The preset's name (used in <c>/preset/{name}/v1/messages</c>).</summary>
    public string Name { get; init; } = "";

    /// <summary>The route as <c>provider,model</c>.</summary>
    public string Route { get; init; } = "";

    /// <summary><c>temperature</c>, or null.</summary>
    public double? Temperature { get; init; }

    /// <summary><c>max_tokens</c>, or null.</summary>
    public int? MaxTokens { get; init; }

    /// <summary><c>top_p</c>, or null.</summary>
    public double? TopP { get; init; }

    /// <summary><c>system</c>, or null.</summary>
    public string? System { get; init; }

    /// <summary>The config file the preset lives in (so piping to Set-/Remove-CcrPreset edits the same file).</summary>
    public string? ConfigPath { get; init; }

    /// <summary>The preset's name.</summary>
    public override string ToString() => Name;

    internal static PresetInfo From(PresetConfig preset, string? configPath) => new()
    {
        Name = preset.Name,
        Route = preset.Route.ToString(),
        Temperature = preset.Temperature,
        MaxTokens = preset.MaxTokens,
        TopP = preset.TopP,
        System = preset.System,
        ConfigPath = configPath,
    };
}
