using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Config;

/// <summary>What Windows and macOS users meet and Linux does not by default: UTF-16 files, ~ in variables, case-insensitive names.</summary>
public class ConfigPortabilityTests
{
    private const string Config = """
        // written by Windows PowerShell 5.1: Get-Content example.jsonc > config.json
        {
            "Providers": [
                { "name": "qwen", "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "${QWEN_API_KEY}", "models": ["qwen3-coder-plus"] }
            ],
            "Presets": {
                "coding": { "route": "qwen,qwen3-coder-plus", "temperature": 0.7 } // été
            }
        }
        """;

    [Theory]
    [InlineData("utf-16le")]
    [InlineData("utf-16be")]
    [InlineData("utf-8-bom")]
    [InlineData("utf-8")]
    public void Edit_WritesBackInTheFilesOwnEncoding(string name)
    {
        Encoding encoding = name switch
        {
            "utf-16le" => new UnicodeEncoding(bigEndian: false, byteOrderMark: true),
            "utf-16be" => new UnicodeEncoding(bigEndian: true, byteOrderMark: true),
            "utf-8-bom" => new UTF8Encoding(encoderShouldEmitUTF8Identifier: true),
            _ => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        };
        using var folder = new TempFolder();
        string path = folder.File("config.json");
        byte[] original = [.. encoding.GetPreamble(), .. encoding.GetBytes(Config)];
        File.WriteAllBytes(path, original);

        ConfigEditResult result = ConfigEditor.SetPreset(path, new PresetChange { Name = "coding", Temperature = 0.2 }, new ConfigEditOptions { LoadOptions = TestLoad.Options(folder) });

        Assert.True(result.Changed);
        byte[] written = File.ReadAllBytes(path);
        Assert.Equal(encoding.GetPreamble(), written[..encoding.GetPreamble().Length]);
        string expected = Config.Replace("\"temperature\": 0.7", "\"temperature\": 0.2", StringComparison.Ordinal);
        Assert.Equal(expected, encoding.GetString(written, encoding.GetPreamble().Length, written.Length - encoding.GetPreamble().Length));
        Assert.Equal(original, File.ReadAllBytes(path + ".bak"));
        Assert.Equal(0.2, ConfigLoader.Load(path, TestLoad.Options(folder)).GetConfigOrThrow().Presets["coding"].Temperature);
    }

    [Theory]
    [InlineData("~", "")]
    [InlineData("~/ccr", "ccr")]
    [InlineData("~\\ccr", "ccr")]
    public void LeadingTilde_IsTheHomeFolder(string path, string rest)
    {
        string home = Path.Combine(Path.GetTempPath(), "home-of-test");
        string expanded = ConfigPaths.ExpandHome(path, home);
        Assert.Equal(rest.Length == 0 ? home : Path.Combine(home, rest), expanded);
    }

    [Theory]
    [InlineData("~user/ccr")]
    [InlineData("/srv/~/ccr")]
    [InlineData("ccr~")]
    [InlineData("")]
    public void TildeElsewhere_IsLeftAlone(string path) => Assert.Equal(path, ConfigPaths.ExpandHome(path, "/home/x"));

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void DotEnvNames_MatchWhateverTheCaseOnlyWhereTheOsDoes(bool ignoreCase, bool found)
    {
        using var folder = new TempFolder();
        folder.Write(".env", "QWEN_API_KEY=sk-sp-fromdotenv0000000001\n");
        string path = folder.Write("config.json", Config.Replace("${QWEN_API_KEY}", "${qwen_api_key}", StringComparison.Ordinal));

        ConfigLoadResult result = ConfigLoader.Load(path, new ConfigLoadOptions
        {
            Environment = new Dictionary<string, string?>(),
            WorkingDirectory = folder.Path,
            IgnoreVariableCase = ignoreCase,
        });

        Assert.True(result.Success, TestLoad.Dump(result));
        Assert.Equal(found ? "sk-sp-fromdotenv0000000001" : "", result.Config!.Providers[0].ApiKey ?? "");
    }

    [Fact]
    public void GivenEnvironmentNames_MatchWhateverTheCaseWhereTheOsDoes()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Config);

        ConfigLoadResult result = ConfigLoader.Load(path, new ConfigLoadOptions
        {
            Environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["Qwen_Api_Key"] = "sk-sp-fromenvironment0001" },
            WorkingDirectory = folder.Path,
            IgnoreVariableCase = true,
        });

        Assert.Equal("sk-sp-fromenvironment0001", result.GetConfigOrThrow().Providers[0].ApiKey);
    }

    [Theory]
    [InlineData("config.json", "config.json", false, true)]
    [InlineData("Config.json", "config.json", false, false)]
    [InlineData("Config.json", "config.json", true, true)]
    [InlineData("config.json.bak", "config.json", true, false)]
    [InlineData(null, "config.json", true, false)]
    public void WatcherEvents_CompareNamesAsTheFileSystemDoes(string? eventName, string fileName, bool ignoreCase, bool matches) =>
        Assert.Equal(matches, FileChangeWatcher.IsWatchedFile(eventName, fileName, ignoreCase));
}
