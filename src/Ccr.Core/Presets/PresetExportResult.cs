namespace Ccr.Core.Presets;

/// <summary>What <see cref="PresetExporter"/> wrote: the file, the presets and providers in it, and the variables its placeholders name.</summary>
public sealed class PresetExportResult
{
    /// <summary>Creates a result.</summary>
    public PresetExportResult(string path, IReadOnlyList<string> presets, IReadOnlyList<string> providers, IReadOnlyList<string> variables, string json)
    {
        Path = path;
        Presets = presets;
        Providers = providers;
        Variables = variables;
        Json = json;
    }

    /// <summary>The export file, as a full path.</summary>
    public string Path { get; }

    /// <summary>The presets exported, by name as spelled in the source config.</summary>
    public IReadOnlyList<string> Presets { get; }

    /// <summary>The providers exported with them.</summary>
    public IReadOnlyList<string> Providers { get; }

    /// <summary>The placeholder variables the export names (e.g. <c>QWEN_API_KEY</c>), which an importer must set.</summary>
    public IReadOnlyList<string> Variables { get; }

    /// <summary>The exported JSON text, as written.</summary>
    public string Json { get; }
}
