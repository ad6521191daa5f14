using System.Text;
using System.Text.Json.Nodes;
using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Config;

public class ConfigEditorTests
{
    private const string Commented = """
        // Ccr config: every comment here must survive an edit.
        {
            /* providers */
            "Providers": [
                {
                    "name": "qwen", // the plan
                    "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1",
                    "api_key": "${QWEN_API_KEY}",
                    "models": ["qwen3-coder-plus", "qwen3-max-2026-01-23"],
                    "tier_name": "ccr-qwen",
                },
            ],
            "Router": {
                "tiers": [
                    "qwen,qwen3-coder-plus", // Tier 0
                ],
            },
            "Presets": {
                // coding
                "coding_qwen": {
                    "route": "qwen,qwen3-coder-plus",
                    "temperature": 0.7 // warm
                },
                "reasoning_qwen": {
                    "route": "qwen,qwen3-max-2026-01-23"
                }
            },
            "unknown_key": { "kept": true }
        }

        """;

    private static ConfigEditOptions Options(TempFolder folder) => new() { LoadOptions = TestLoad.Options(folder) };

    private static string[] Lines(string text) => text.Split('\n');

    [Fact]
    public void SetPreset_ChangesOnlyThePresetsLines()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigEditResult result = ConfigEditor.SetPreset(path, new PresetChange { Name = "coding_qwen", Temperature = 0.3 }, Options(folder));

        Assert.True(result.Changed);
        string after = File.ReadAllText(path);
        string[] before = Lines(Commented);
        string[] now = Lines(after);
        Assert.Equal(before.Length, now.Length);
        int[] changed = Enumerable.Range(0, before.Length).Where(i => before[i] != now[i]).ToArray();
        Assert.Equal(new[] { Array.IndexOf(before, "            \"temperature\": 0.7 // warm") }, changed);
        Assert.Equal("            \"temperature\": 0.3 // warm", now[changed[0]]);
        Assert.Equal(0.3, result.Config.Presets["coding_qwen"].Temperature);
        Assert.Equal(Commented, File.ReadAllText(path + ".bak"));
    }

    [Fact]
    public void SetPreset_AddsAMissingMemberAfterTheLastOne()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigEditor.SetPreset(path, new PresetChange { Name = "reasoning_qwen", MaxTokens = 8192, System = "Think \"hard\"" }, Options(folder));

        string expected = Commented.Replace(
            "            \"route\": \"qwen,qwen3-max-2026-01-23\"\n",
            "            \"route\": \"qwen,qwen3-max-2026-01-23\",\n            \"max_tokens\": 8192,\n            \"system\": \"Think \\\"hard\\\"\"\n",
            StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllText(path));
    }

    [Fact]
    public void SetPreset_CreatesANewPresetWithSiblingIndentation()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigEditResult result = ConfigEditor.SetPreset(path, new PresetChange { Name = "fast", Route = "qwen,qwen3-coder-plus", Temperature = 0.1 }, Options(folder));

        string expected = Commented.Replace(
            "            \"route\": \"qwen,qwen3-max-2026-01-23\"\n        }\n",
            "            \"route\": \"qwen,qwen3-max-2026-01-23\"\n        },\n        \"fast\": {\n            \"route\": \"qwen,qwen3-coder-plus\",\n            \"temperature\": 0.1\n        }\n",
            StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllText(path));
        Assert.Equal("qwen,qwen3-coder-plus", result.Config.Presets["fast"].Route.ToString());
    }

    [Fact]
    public void SetPreset_CreatesPresetsWhenAbsent_KeepingCrlfAndBom()
    {
        using var folder = new TempFolder();
        string text = "{\r\n  \"Providers\": [\r\n    { \"name\": \"qwen\", \"api_base_url\": \"https://example.com/v1\", \"models\": [\"m\"] }\r\n  ] // end\r\n}\r\n";
        string path = folder.File("config.json");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)]);

        ConfigEditor.SetPreset(path, new PresetChange { Name = "p", Route = "qwen,m" }, Options(folder));

        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        string after = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        Assert.Equal(
            "{\r\n  \"Providers\": [\r\n    { \"name\": \"qwen\", \"api_base_url\": \"https://example.com/v1\", \"models\": [\"m\"] }\r\n  ], // end\r\n  \"Presets\": {\r\n    \"p\": {\r\n      \"route\": \"qwen,m\"\r\n    }\r\n  }\r\n}\r\n",
            after);
        Assert.DoesNotContain("\n", after.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void RemovePreset_RemovesItsLinesAndComma()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigEditResult result = ConfigEditor.RemovePreset(path, "reasoning_qwen", Options(folder));

        Assert.True(result.Changed);
        string expected = Commented.Replace(
            "        },\n        \"reasoning_qwen\": {\n            \"route\": \"qwen,qwen3-max-2026-01-23\"\n        }\n",
            "        }\n",
            StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllText(path));
        Assert.False(result.Config.Presets.ContainsKey("reasoning_qwen"));
    }

    [Fact]
    public void RemovePreset_FirstOfTwo_KeepsTheOtherAndItsComments()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigEditor.RemovePreset(path, "coding_qwen", Options(folder));

        string expected = Commented.Replace(
            "        \"coding_qwen\": {\n            \"route\": \"qwen,qwen3-coder-plus\",\n            \"temperature\": 0.7 // warm\n        },\n",
            "",
            StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllText(path));
        Assert.False(ConfigEditor.RemovePreset(path, "coding_qwen", Options(folder)).Changed);
    }

    [Theory]
    [InlineData("nobody,x", "UnknownProvider")]
    [InlineData("qwen,not-a-model", "UnknownModel")]
    [InlineData("no-comma", "InvalidRoute")]
    public void SetPreset_WithABadRoute_IsRefusedAndTheFileIsByteIdentical(string route, string why)
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);
        byte[] before = File.ReadAllBytes(path);

        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigEditor.SetPreset(path, new PresetChange { Name = "coding_qwen", Route = route }, Options(folder)));

        ConfigDiagnostic error = Assert.Single(ex.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("InvalidRoute", error.Code);
        Assert.Equal("$.Presets.coding_qwen.route", error.JsonPath);
        Assert.Contains(why == "UnknownProvider" ? "not in Providers" : why == "UnknownModel" ? "add it to models" : "provider,model", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".bak"));
    }

    [Fact]
    public void Edit_ThatWouldNotLoad_IsRefused()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);
        byte[] before = File.ReadAllBytes(path);

        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigEditor.SetValue(path, new[] { "PORT" }, JsonValue.Create(70000), Options(folder)));

        Assert.Equal("OutOfRange", ex.FirstErrorCode);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void DryRun_ValidatesButWritesNothing()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);
        byte[] before = File.ReadAllBytes(path);

        ConfigEditResult result = ConfigEditor.SetPreset(path, new PresetChange { Name = "x", Route = "qwen,qwen3-coder-plus" }, new ConfigEditOptions { DryRun = true, LoadOptions = TestLoad.Options(folder) });

        Assert.False(result.Changed);
        Assert.True(result.Config.Presets.ContainsKey("x"));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void FailedReplace_LeavesTheOriginalAndNoTempFiles()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);
        byte[] before = File.ReadAllBytes(path);
        // A non-empty directory where the backup must go makes the final swap fail.
        Directory.CreateDirectory(path + ".bak");
        File.WriteAllText(Path.Combine(path + ".bak", "keep"), "x");

        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigEditor.SetPreset(path, new PresetChange { Name = "coding_qwen", Temperature = 0.1 }, Options(folder)));

        Assert.Equal("ConfigWriteFailed", ex.FirstErrorCode);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [Fact]
    public async Task ConcurrentWriters_BothLand()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);
        ConfigEditOptions options = Options(folder);

        Task[] writers = Enumerable.Range(0, 8)
            .Select(i => Task.Run(() => ConfigEditor.SetPreset(path, new PresetChange { Name = "p" + i, Route = "qwen,qwen3-coder-plus", MaxTokens = 100 + i }, options)))
            .ToArray();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));

        CcrConfig config = ConfigLoader.Load(path, TestLoad.Options(folder)).GetConfigOrThrow();
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(100 + i, config.Presets["p" + i].MaxTokens);
        }

        Assert.Equal(0.7, config.Presets["coding_qwen"].Temperature);
    }

    [Fact]
    public void Writer_WaitsForTheLockAndGivesUpWithConfigLocked()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);
        byte[] before = File.ReadAllBytes(path);
        using (ConfigEditor.AcquireLock(path, TimeSpan.FromSeconds(1)))
        {
            ConfigException ex = Assert.Throws<ConfigException>(() => ConfigEditor.SetPreset(
                path,
                new PresetChange { Name = "coding_qwen", Temperature = 0.2 },
                new ConfigEditOptions { LockTimeout = TimeSpan.FromMilliseconds(200), LoadOptions = TestLoad.Options(folder) }));
            Assert.Equal("ConfigLocked", ex.FirstErrorCode);
        }

        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void ConfigDocument_CompactObjects_StayOnOneLine()
    {
        ConfigDocument document = ConfigDocument.Parse("""{"Presets": {"a": {"route": "x,y"}}}""");
        document.SetValue(new[] { "Presets", "b" }, new JsonObject { ["route"] = "x,z" });
        Assert.Equal("""{"Presets": {"a": {"route": "x,y"}, "b": { "route": "x,z" }}}""", document.Text);
        Assert.True(document.RemoveValue(new[] { "Presets", "a" }));
        Assert.Equal("""{"Presets": {"b": { "route": "x,z" }}}""", document.Text);
    }

    [Fact]
    public void ConfigDocument_EmptyObject_GetsIndentedMember()
    {
        ConfigDocument document = ConfigDocument.Parse("{\n\t\"Providers\": [],\n\t\"Presets\": {}\n}");
        document.SetValue(new[] { "Presets", "a" }, new JsonObject { ["route"] = "x,y" });
        Assert.Equal("{\n\t\"Providers\": [],\n\t\"Presets\": {\n\t\t\"a\": {\n\t\t\t\"route\": \"x,y\"\n\t\t}\n\t}\n}", document.Text);
    }

    [Fact]
    public void ConfigDocument_SyntaxError_ThrowsWithLineAndColumn()
    {
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigDocument.Parse("{\n  \"a\": 1,\n  \"b\" 2\n}", "c.json"));
        ConfigDiagnostic d = Assert.Single(ex.Diagnostics);
        Assert.Equal(("SyntaxError", 3, 7), (d.Code, d.Line, d.Column));
    }
}
