using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ccr.Core.Config;

namespace Ccr.Core.Presets;

/// <summary>
/// An export file read back and checked (see <see cref="PresetExportFormat"/>): its presets, in file order, and its
/// providers. Anything that is not a Ccr preset export, or one from a newer format, is refused with a message
/// that says what the file is missing.
/// </summary>
internal sealed class PresetExportFile
{
    private PresetExportFile(string path, List<KeyValuePair<string, JsonObject>> presets, List<JsonObject> providers)
    {
        Path = path;
        Presets = presets;
        Providers = providers;
    }

    /// <summary>The file, as a full path.</summary>
    public string Path { get; }

    /// <summary>The presets by name, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, JsonObject>> Presets { get; }

    /// <summary>The provider entries, each with a string <c>name</c>.</summary>
    public IReadOnlyList<JsonObject> Providers { get; }

    /// <summary>Reads and checks <paramref name="path"/>; throws <see cref="ConfigException"/> saying what is wrong.</summary>
    public static PresetExportFile Read(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        string text;
        try
        {
            text = AtomicFile.ReadAllText(full);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Invalid(full, "$", $"There is no file {full}. Give -Path the file Export-CcrPreset wrote.", ex);
        }

        ConfigDocument document = ConfigDocument.Parse(text, full);
        if (document.ValueAt("$") is not JsonObject root || root[PresetExportFormat.MarkerMember] is not JsonValue marker
            || marker.GetValueKind() != JsonValueKind.Number)
        {
            throw Invalid(full, "$", $"{full} is not a Ccr preset export: it has no \"{PresetExportFormat.MarkerMember}\" version. Write one with Export-CcrPreset -Name <preset> -Path <file>.");
        }

        if (!marker.TryGetValue(out int version) || version < 1 || version > PresetExportFormat.Version)
        {
            throw Invalid(full, "$." + PresetExportFormat.MarkerMember, string.Create(CultureInfo.InvariantCulture,
                $"{full} is a preset export of format {marker.ToJsonString()}, and this Ccr reads format {PresetExportFormat.Version}. Update the Ccr module (Update-Module Ccr) to import it."));
        }

        if (root[PresetExportFormat.PresetsMember] is not JsonObject presetsNode || presetsNode.Count == 0)
        {
            throw Invalid(full, "$.Presets", $"{full} holds no presets: \"Presets\" must be an object with at least one preset.");
        }

        var presets = new List<KeyValuePair<string, JsonObject>>();
        foreach (KeyValuePair<string, JsonNode?> preset in presetsNode)
        {
            string presetPath = JsonPaths.Member("$.Presets", preset.Key);
            if (preset.Value is not JsonObject body || body["route"] is not JsonValue route || route.GetValueKind() != JsonValueKind.String
                || !RouteTarget.TryParse(route.GetValue<string>(), out _))
            {
                throw Invalid(full, presetPath, $"Preset '{preset.Key}' in {full} has no \"route\" of the form \"provider,model\".");
            }

            presets.Add(new KeyValuePair<string, JsonObject>(preset.Key, body));
        }

        var providers = new List<JsonObject>();
        if (root[PresetExportFormat.ProvidersMember] is JsonArray providersNode)
        {
            for (int i = 0; i < providersNode.Count; i++)
            {
                if (providersNode[i] is not JsonObject entry || entry["name"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String)
                {
                    throw Invalid(full, "$.Providers[" + i.ToString(CultureInfo.InvariantCulture) + "]", $"Provider {i} in {full} has no \"name\".");
                }

                providers.Add(entry);
            }
        }
        else if (root[PresetExportFormat.ProvidersMember] is not null)
        {
            throw Invalid(full, "$.Providers", $"\"Providers\" in {full} must be a list of provider entries.");
        }

        return new PresetExportFile(full, presets, providers);
    }

    private static ConfigException Invalid(string path, string jsonPath, string message, Exception? inner = null)
    {
        var diagnostic = new ConfigDiagnostic(DiagnosticSeverity.Error, "InvalidPresetExport", message, path, 0, 0, jsonPath);
        return inner is null ? new ConfigException(diagnostic) : new ConfigException(diagnostic, inner);
    }
}
