using System.Text.Json.Nodes;
using Ccr.Core.Config;
using Ccr.Core.Presets;
using Ccr.Core.Tests.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Presets;

/// <summary>Export and import with real files: no secret in the export, a refused import leaves the target byte for byte, a merge keeps the target's text.</summary>
public class PresetTransferTests
{
    private const string Key = "sk-literal-abcdef0123456789";

    private const string Source = """
        {
            "Providers": [
                {
                    "name": "my gw",
                    "api_base_url": "https://gw.example/v1",
                    "api_key": "sk-literal-abcdef0123456789",
                    "headers": { "Authorization": "Bearer sk-other-secret-999999", "X-Title": "team" },
                    "models": ["coder"]
                },
                { "name": "unused", "api_base_url": "https://u.example/v1", "api_key": "sk-unused-0000000000000", "models": ["x"] }
            ],
            "Presets": { "team": { "route": "my gw,coder", "system": "never say sk-literal-abcdef0123456789" } }
        }
        """;

    private const string Target = """
        // mine
        {
            "Providers": [ { "name": "local", "api_base_url": "http://127.0.0.1:9/v1", "models": ["m"] } ], // one
            "Presets": {
                "team": { "route": "local,m" } // taken
            }
        }
        """;

    [Fact]
    public void Export_WritesNoSecret_AndNamesEveryPlaceholderAfterItsProvider()
    {
        using var folder = new TempFolder();
        string source = folder.Write("source.json", Source);

        PresetExportResult result = PresetExporter.Export(source, new[] { "TEAM" }, folder.File("team.json"), TestLoad.Options(folder));
        string json = File.ReadAllText(result.Path);

        Assert.DoesNotContain(Key, json, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-other-secret", json, StringComparison.Ordinal);
        Assert.DoesNotContain("unused", json, StringComparison.Ordinal);
        JsonObject root = JsonNode.Parse(json)!.AsObject();
        JsonObject provider = root["Providers"]![0]!.AsObject();
        Assert.Equal("${MY_GW_API_KEY}", provider["api_key"]!.GetValue<string>());
        Assert.Equal("${MY_GW_AUTHORIZATION}", provider["headers"]!["Authorization"]!.GetValue<string>());
        Assert.Equal("team", provider["headers"]!["X-Title"]!.GetValue<string>());
        Assert.Equal("never say ${MY_GW_API_KEY}", root["Presets"]!["team"]!["system"]!.GetValue<string>());
        Assert.Equal(new[] { "MY_GW_API_KEY", "MY_GW_AUTHORIZATION" }, result.Variables);
    }

    [Fact]
    public void Import_NameClash_IsRefused_AndTheTargetKeepsEveryByte()
    {
        using var folder = new TempFolder();
        string source = folder.Write("source.json", Source);
        string target = folder.Write("config.json", Target);
        PresetExporter.Export(source, new[] { "team" }, folder.File("team.json"), TestLoad.Options(folder));
        byte[] before = File.ReadAllBytes(target);

        ConfigException refused = Assert.Throws<ConfigException>(() => PresetImporter.Import(target, folder.File("team.json"), new PresetImportOptions { LoadOptions = TestLoad.Options(folder) }));

        Assert.Equal("PresetExists", refused.FirstErrorCode);
        Assert.Equal(before, File.ReadAllBytes(target));
    }

    [Fact]
    public void Import_Force_ReplacesThePreset_AddsTheProvider_AndKeepsTheRestOfTheText()
    {
        using var folder = new TempFolder();
        string source = folder.Write("source.json", Source);
        string target = folder.Write("config.json", Target);
        PresetExporter.Export(source, new[] { "team" }, folder.File("team.json"), TestLoad.Options(folder));

        PresetImportResult result = PresetImporter.Import(target, folder.File("team.json"), new PresetImportOptions { Force = true, LoadOptions = TestLoad.Options(folder) });
        string text = File.ReadAllText(target);

        Assert.True(result.Edit.Changed);
        Assert.Equal(new[] { "team" }, result.Replaced);
        ImportedProvider added = Assert.Single(result.Providers);
        Assert.True(added.Added);
        Assert.Equal("MY_GW_API_KEY", added.KeyVariable);
        Assert.Equal(new[] { "MY_GW_API_KEY", "MY_GW_AUTHORIZATION" }, added.UnsetVariables);
        Assert.StartsWith("// mine\n{\n    \"Providers\": [ { \"name\": \"local\"", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("// one", text, StringComparison.Ordinal);
        Assert.Equal("my gw,coder", result.Edit.Config.Presets["team"].Route.ToString());
        Assert.Equal(KeyState.KeyMissing, result.Edit.Config.FindProvider("my gw")!.KeyState);
    }

    [Fact]
    public void Import_OfAFileThatIsNotAnExport_SaysSo()
    {
        using var folder = new TempFolder();
        string target = folder.Write("config.json", Target);

        ConfigException refused = Assert.Throws<ConfigException>(() => PresetImporter.Import(target, target));

        Assert.Equal("InvalidPresetExport", refused.FirstErrorCode);
        Assert.Contains("Export-CcrPreset", refused.Message, StringComparison.Ordinal);
    }
}
