namespace Ccr.Core.Config;

/// <summary>A <c>Presets</c> entry: a route plus defaults for what a request omits.</summary>
public sealed class PresetConfig
{
    /// <summary>The preset's name (its key in <c>Presets</c>).</summary>
    public required string Name { get; init; }

    /// <summary><c>route</c>.</summary>
    public required RouteTarget Route { get; init; }

    /// <summary><c>temperature</c>.</summary>
    public double? Temperature { get; init; }

    /// <summary><c>max_tokens</c>.</summary>
    public int? MaxTokens { get; init; }

    /// <summary><c>top_p</c>.</summary>
    public double? TopP { get; init; }

    /// <summary><c>system</c>.</summary>
    public string? System { get; init; }
}
