namespace Ccr.Core.Presets;

/// <summary>What an import did with one provider of the export.</summary>
/// <param name="Name">The provider's name, as the target config spells it.</param>
/// <param name="Added">True when the target lacked it and it was added; false when the target's own entry was kept.</param>
/// <param name="KeyVariable">For an added provider with a key: the variable its placeholder names.</param>
/// <param name="TargetBaseUrl">For a kept provider: the target's <c>api_base_url</c>.</param>
/// <param name="ExportBaseUrl">The export's <c>api_base_url</c>.</param>
public sealed record ImportedProvider(string Name, bool Added, string? KeyVariable, string? TargetBaseUrl, string? ExportBaseUrl)
{
    /// <summary>For an added provider: the placeholder variables in its entry that nothing defines yet (environment, .env beside the config or in the current folder).</summary>
    public IReadOnlyList<string> UnsetVariables { get; init; } = Array.Empty<string>();

    /// <summary>True when a kept provider points elsewhere than the exported one, so the preset may answer differently.</summary>
    public bool BaseUrlDiffers =>
        !Added && ExportBaseUrl is not null && !string.Equals(TargetBaseUrl?.TrimEnd('/'), ExportBaseUrl.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
}
