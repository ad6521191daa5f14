using System.Text.Json.Nodes;
using Ccr.Core.Config;

namespace Ccr.Core.Presets;

/// <summary>
/// Merges an export (see <see cref="PresetExportFormat"/>) into a config through <see cref="ConfigEditor.Update"/>:
/// under the config's lock, comments and untouched bytes stay, the result must load, and it is written atomically,
/// so a refused import leaves the file byte for byte as it was. A preset whose name is taken is refused unless
/// forced; a provider the config already has is kept as it is; a missing one is added with its key left as the
/// export's placeholder.
/// </summary>
public static class PresetImporter
{
    private static readonly string[] s_providers = { "Providers" };

    /// <summary>Imports the presets of <paramref name="exportPath"/> into <paramref name="configPath"/>.</summary>
    /// <param name="configPath">The target config; it must exist.</param>
    /// <param name="exportPath">The file Export-CcrPreset wrote.</param>
    /// <param name="options">Which presets, Force, dry run, variable sources.</param>
    public static PresetImportResult Import(string configPath, string exportPath, PresetImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configPath);
        ArgumentNullException.ThrowIfNull(exportPath);
        options ??= new PresetImportOptions();
        PresetExportFile export = PresetExportFile.Read(exportPath);
        List<KeyValuePair<string, JsonObject>> chosen = Choose(export, options.Names, configPath);

        var presets = new List<string>();
        var replaced = new List<string>();
        var providers = new List<ImportedProvider>();
        ConfigEditResult edit = ConfigEditor.Update(
            configPath,
            document =>
            {
                // The lambda may run on a document re-read under the lock: start from empty each time.
                presets.Clear();
                replaced.Clear();
                providers.Clear();
                foreach (KeyValuePair<string, JsonObject> preset in chosen)
                {
                    RouteTarget.TryParse(preset.Value["route"]!.GetValue<string>(), out RouteTarget route);
                    MergeProvider(document, export, route.Provider, providers);
                    MergePreset(document, configPath, preset, options.Force, replaced);
                    presets.Add(preset.Key);
                }
            },
            (config, document, path) => CheckRoutes(config, document, path, presets, providers),
            new ConfigEditOptions { DryRun = options.DryRun, LoadOptions = options.LoadOptions });
        VariableResolver variables = ConfigLoader.CreateResolver(edit.Path, options.LoadOptions);
        for (int i = 0; i < providers.Count; i++)
        {
            if (providers[i].Added && FindExported(export, providers[i].Name) is JsonObject entry)
            {
                providers[i] = providers[i] with { UnsetVariables = UnsetIn(entry, variables) };
            }
        }

        return new PresetImportResult(edit, presets, replaced, providers);
    }

    private static JsonObject? FindExported(PresetExportFile export, string name)
    {
        foreach (JsonObject entry in export.Providers)
        {
            if (string.Equals(entry["name"]!.GetValue<string>(), name, StringComparison.OrdinalIgnoreCase))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>The <c>${VAR}</c> names in <paramref name="node"/>'s strings that <paramref name="variables"/> cannot resolve, each once, in order.</summary>
    private static List<string> UnsetIn(JsonNode? node, VariableResolver variables, List<string>? found = null)
    {
        found ??= new List<string>();
        switch (node)
        {
            case JsonObject obj:
                foreach (KeyValuePair<string, JsonNode?> member in obj)
                {
                    UnsetIn(member.Value, variables, found);
                }

                break;
            case JsonArray array:
                foreach (JsonNode? element in array)
                {
                    UnsetIn(element, variables, found);
                }

                break;
            case JsonValue value when value.TryGetValue(out string? text):
                int start = 0;
                while ((start = text.IndexOf("${", start, StringComparison.Ordinal)) >= 0)
                {
                    int end = text.IndexOf('}', start + 2);
                    if (end < 0)
                    {
                        break;
                    }

                    string name = text[(start + 2)..end];
                    if (!variables.TryGet(name, out _) && !found.Contains(name))
                    {
                        found.Add(name);
                    }

                    start = end + 1;
                }

                break;
        }

        return found;
    }

    private static List<KeyValuePair<string, JsonObject>> Choose(PresetExportFile export, IReadOnlyList<string>? names, string configPath)
    {
        if (names is null || names.Count == 0)
        {
            return new List<KeyValuePair<string, JsonObject>>(export.Presets);
        }

        var chosen = new List<KeyValuePair<string, JsonObject>>();
        foreach (string name in names)
        {
            KeyValuePair<string, JsonObject>? found = null;
            foreach (KeyValuePair<string, JsonObject> preset in export.Presets)
            {
                if (string.Equals(preset.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    found = preset;
                    break;
                }
            }

            if (found is null)
            {
                var available = new List<string>();
                foreach (KeyValuePair<string, JsonObject> preset in export.Presets)
                {
                    available.Add(preset.Key);
                }

                throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "PresetNotFound", $"{export.Path} has no preset '{name}'; it holds {string.Join(", ", available)}. Nothing was imported into {configPath}.", export.Path, 0, 0, "$.Presets"));
            }

            if (!chosen.Contains(found.Value))
            {
                chosen.Add(found.Value);
            }
        }

        return chosen;
    }

    private static void MergeProvider(ConfigDocument document, PresetExportFile export, string name, List<ImportedProvider> outcome)
    {
        foreach (ImportedProvider done in outcome)
        {
            if (string.Equals(done.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }

        JsonObject? exported = null;
        foreach (JsonObject entry in export.Providers)
        {
            if (string.Equals(entry["name"]!.GetValue<string>(), name, StringComparison.OrdinalIgnoreCase))
            {
                exported = entry;
                break;
            }
        }

        string? exportUrl = exported?["api_base_url"] is JsonValue url && url.TryGetValue(out string? u) ? u : null;
        string? element = ProviderEditor.FindProvider(document, name);
        if (element is not null)
        {
            // The target's own provider wins: its key, its URL, its quota are the user's, not the exporter's.
            var existing = (JsonObject)document.ValueAt(element)!;
            string targetName = existing["name"]!.GetValue<string>();
            string? targetUrl = existing["api_base_url"] is JsonValue t && t.TryGetValue(out string? tu) ? tu : null;
            outcome.Add(new ImportedProvider(targetName, Added: false, KeyVariable: null, targetUrl, exportUrl));
            return;
        }

        if (exported is null)
        {
            // Nothing to add; the route check names the missing provider.
            return;
        }

        string? keyVariable = null;
        foreach (string member in new[] { "api_key", "apiKey", "api_keys" })
        {
            if (exported[member] is JsonValue key && key.TryGetValue(out string? template) && template.StartsWith("${", StringComparison.Ordinal) && template.EndsWith('}'))
            {
                keyVariable = template[2..^1];
            }
        }

        if (!document.Contains(s_providers))
        {
            document.SetValue(s_providers, new JsonArray(exported.DeepClone()));
        }
        else
        {
            document.InsertElement(document.JsonPathOf(s_providers), int.MaxValue, exported.DeepClone());
        }

        outcome.Add(new ImportedProvider(exported["name"]!.GetValue<string>(), Added: true, keyVariable, TargetBaseUrl: null, exportUrl));
    }

    private static void MergePreset(ConfigDocument document, string configPath, KeyValuePair<string, JsonObject> preset, bool force, List<string> replaced)
    {
        string[] path = { "Presets", preset.Key };
        if (document.Contains(path))
        {
            string jsonPath = document.JsonPathOf(path);
            if (!force)
            {
                string current = document.ValueAt(document.JsonPathOf(new[] { "Presets", preset.Key, "route" })) is JsonValue r && r.TryGetValue(out string? text) ? " (route " + text + ")" : "";
                throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "PresetExists", $"{configPath} already has a preset '{preset.Key}'{current}. Add -Force to replace it with the imported one, or remove it first (Remove-CcrPreset -Name {preset.Key}). The file was not changed.", configPath, 0, 0, jsonPath));
            }

            replaced.Add(preset.Key);
        }

        document.SetValue(path, preset.Value.DeepClone());
    }

    private static IEnumerable<ConfigDiagnostic> CheckRoutes(CcrConfig config, ConfigDocument document, string path, List<string> presets, List<ImportedProvider> providers)
    {
        foreach (string name in presets)
        {
            PresetConfig? preset = null;
            foreach (PresetConfig candidate in config.Presets.Values)
            {
                if (string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    preset = candidate;
                    break;
                }
            }

            if (preset is null)
            {
                continue;
            }

            (string Code, string Message)? problem = ConfigReader.DescribeRouteProblem(config, preset.Route);
            if (problem is null)
            {
                continue;
            }

            string advice = " The file was not changed.";
            foreach (ImportedProvider provider in providers)
            {
                if (!provider.Added && string.Equals(provider.Name, preset.Route.Provider, StringComparison.OrdinalIgnoreCase))
                {
                    advice = $" The config's own provider '{provider.Name}' is kept as it is; add the model to it (Set-CcrProvider -Name {provider.Name} -Model ...) and import again. The file was not changed.";
                }
            }

            string jsonPath = document.JsonPathOf(new[] { "Presets", preset.Name, "route" });
            yield return new ConfigDiagnostic(DiagnosticSeverity.Error, "InvalidRoute", $"Imported preset '{preset.Name}': " + problem.Value.Message.Replace(" Until then this route is skipped.", "", StringComparison.Ordinal) + advice, path, 0, 0, jsonPath) { Provider = preset.Route.Provider };
        }
    }
}
