using System.Text;
using System.Text.Json.Nodes;

namespace Ccr.Core.Config;

/// <summary>The fields of a preset to write; a null field is left as it is in the file.</summary>
public sealed class PresetChange
{
    /// <summary>The preset's name (its key under <c>Presets</c>).</summary>
    public required string Name { get; init; }

    /// <summary><c>route</c> as <c>provider,model</c>; required when the preset is new.</summary>
    public string? Route { get; init; }

    /// <summary><c>temperature</c>.</summary>
    public double? Temperature { get; init; }

    /// <summary><c>max_tokens</c>.</summary>
    public int? MaxTokens { get; init; }

    /// <summary><c>top_p</c>.</summary>
    public double? TopP { get; init; }

    /// <summary><c>system</c>.</summary>
    public string? System { get; init; }
}
