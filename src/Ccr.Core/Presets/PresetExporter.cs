using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ccr.Core.Config;

namespace Ccr.Core.Presets;

/// <summary>
/// Writes presets to a file another config can import (see <see cref="PresetExportFormat"/>): each preset as it is
/// written in the source config, with exactly the providers its route names, every key turned into a
/// <c>${VAR}</c> placeholder by <see cref="SecretScrubber"/>. The source config is only read.
/// </summary>
public static class PresetExporter
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    /// <summary>Builds the export of <paramref name="presetNames"/> from <paramref name="configPath"/> and writes it atomically to <paramref name="outputPath"/>.</summary>
    /// <param name="configPath">The source config.</param>
    /// <param name="presetNames">The presets, by name (exactly, then ignoring case).</param>
    /// <param name="outputPath">The file to write; its folder must exist.</param>
    /// <param name="loadOptions">Variable sources, so keys held in the environment or a .env are recognised wherever they appear.</param>
    /// <param name="dryRun">Build and check everything, write nothing.</param>
    public static PresetExportResult Export(string configPath, IReadOnlyList<string> presetNames, string outputPath, ConfigLoadOptions? loadOptions = null, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(outputPath);
        string output = Path.GetFullPath(outputPath);
        PresetExportResult built = Build(configPath, presetNames, loadOptions, output);
        if (dryRun)
        {
            return built;
        }

        string? folder = Path.GetDirectoryName(output);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "ExportFolderMissing", $"The folder {folder} does not exist; create it first or give -Path in an existing folder.", output, 0, 0, "$"));
        }

        try
        {
            AtomicFile.WriteAllBytes(output, new UTF8Encoding(false).GetBytes(built.Json));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "ConfigWriteFailed", $"Could not write {output}: {ex.Message} Check that the folder is writable and the file is not open elsewhere.", output, 0, 0, "$"), ex);
        }

        return built;
    }

    /// <summary>The export of <paramref name="presetNames"/> from <paramref name="configPath"/>, without writing it.</summary>
    /// <param name="configPath">The source config.</param>
    /// <param name="presetNames">The presets, by name (exactly, then ignoring case).</param>
    /// <param name="loadOptions">Variable sources.</param>
    /// <param name="outputPath">Where it will be written (for the result only).</param>
    public static PresetExportResult Build(string configPath, IReadOnlyList<string> presetNames, ConfigLoadOptions? loadOptions = null, string outputPath = "")
    {
        ArgumentNullException.ThrowIfNull(configPath);
        ArgumentNullException.ThrowIfNull(presetNames);
        string path = Path.GetFullPath(configPath);
        ConfigLoadResult loaded = ConfigLoader.Load(path, loadOptions ?? new ConfigLoadOptions());
        CcrConfig config = loaded.Config ?? throw new ConfigException(loaded.Diagnostics);
        ConfigDocument document = ConfigDocument.Parse(AtomicFile.ReadAllText(path), path);

        var scrubber = new SecretScrubber();
        scrubber.LearnSecrets(config);

        var presets = new JsonObject();
        var providers = new JsonArray();
        var presetList = new List<string>();
        var providerList = new List<string>();
        foreach (string requested in presetNames)
        {
            PresetConfig preset = FindPreset(config, requested)
                ?? throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "PresetNotFound", $"There is no preset '{requested}' in {path}. Get-CcrPreset lists the presets.", path, 0, 0, "$.Presets"));
            if (presets.ContainsKey(preset.Name))
            {
                continue;
            }

            string presetPath = document.JsonPathOf(new[] { "Presets", preset.Name });
            JsonNode written = document.ValueAt(presetPath) ?? throw new InvalidOperationException(presetPath + " was loaded but is not in the document.");
            presets[preset.Name] = scrubber.ScrubValue(written, preset.Name);
            presetList.Add(preset.Name);

            string provider = preset.Route.Provider;
            if (providerList.Exists(p => string.Equals(p, provider, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            string element = ProviderEditor.FindProvider(document, provider)
                ?? throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "UnknownProvider", $"Preset '{preset.Name}' routes to provider '{provider}', which is not in Providers of {path}, so there is nothing to export with it. Add the provider (Set-CcrProvider) or change the preset's route (Set-CcrPreset).", path, 0, 0, presetPath));
            var entry = (JsonObject)document.ValueAt(element)!;
            string name = entry["name"]!.GetValue<string>();
            providers.Add(scrubber.ScrubProvider(entry, name));
            providerList.Add(name);
        }

        var variables = new JsonObject();
        var variableList = new List<string>();
        foreach (KeyValuePair<string, string> variable in scrubber.Variables)
        {
            variables[variable.Key] = variable.Value;
            variableList.Add(variable.Key);
        }

        var root = new JsonObject
        {
            [PresetExportFormat.MarkerMember] = PresetExportFormat.Version,
            [PresetExportFormat.PresetsMember] = presets,
            [PresetExportFormat.ProvidersMember] = providers,
            [PresetExportFormat.VariablesMember] = variables,
        };
        string json = root.ToJsonString(s_indented) + Environment.NewLine;
        return new PresetExportResult(outputPath, presetList, providerList, variableList, json);
    }

    private static PresetConfig? FindPreset(CcrConfig config, string name)
    {
        if (config.Presets.TryGetValue(name, out PresetConfig? exact))
        {
            return exact;
        }

        foreach (PresetConfig preset in config.Presets.Values)
        {
            if (string.Equals(preset.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return preset;
            }
        }

        return null;
    }
}
