using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Reliability;

/// <summary>The config engine warns about keys written in the file and about a key-holding file others can read.</summary>
public class ConfigSecretTests
{
    private const string LiteralKeyConfig = """
        { "Providers": [ { "name": "qwen", "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "sk-sp-literal0000000000abcd", "models": ["qwen3-coder-plus"] } ] }
        """;

    private const string VariableKeyConfig = """
        { "Providers": [ { "name": "qwen", "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "${QWEN_KEY}", "models": ["qwen3-coder-plus"] } ] }
        """;

    [Fact]
    public void LiteralApiKey_IsAWarningThatNamesTheLineAndNeverTheKey()
    {
        ConfigLoadResult result = ConfigLoader.LoadFromText(LiteralKeyConfig, "config.json", Options());

        Assert.True(result.Success);
        ConfigDiagnostic warning = Assert.Single(result.Diagnostics, d => d.Code == "LiteralApiKey");
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Contains("${QWEN_API_KEY}", warning.Message, StringComparison.Ordinal);
        Assert.Contains("abcd", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-sp-literal0000000000abcd", warning.Message, StringComparison.Ordinal);
        Assert.Equal(1, warning.Line);
    }

    [Fact]
    public void VariableApiKey_GivesNoLiteralKeyWarning()
    {
        ConfigLoadResult result = ConfigLoader.LoadFromText(VariableKeyConfig, "config.json", Options());

        Assert.True(result.Success);
        Assert.DoesNotContain(result.Diagnostics, d => d.Code == "LiteralApiKey");
    }

    [Fact]
    public void KeyHoldingConfigReadableByOthers_IsAWarningOnUnix()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only; Windows configs rely on the profile folder's ACL.
        }

        using var folder = new TempFolder();
        string path = folder.File("config.json");
        File.WriteAllText(path, LiteralKeyConfig);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        ConfigLoadResult open = ConfigLoader.Load(path, Options());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        ConfigLoadResult closed = ConfigLoader.Load(path, Options());

        ConfigDiagnostic warning = Assert.Single(open.Diagnostics, d => d.Code == "ConfigFileReadableByOthers");
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Contains("chmod 600", warning.Message, StringComparison.Ordinal);
        Assert.Contains("644", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(closed.Diagnostics, d => d.Code == "ConfigFileReadableByOthers");
    }

    [Fact]
    public void ConfigWithOnlyVariableReferences_IsNotASecretWhateverItsMode()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only; Windows configs rely on the profile folder's ACL.
        }

        using var folder = new TempFolder();
        string path = folder.File("config.json");
        File.WriteAllText(path, VariableKeyConfig);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        ConfigLoadResult result = ConfigLoader.Load(path, Options());

        Assert.DoesNotContain(result.Diagnostics, d => d.Code == "ConfigFileReadableByOthers");
    }

    private static ConfigLoadOptions Options() => new() { Environment = new Dictionary<string, string?> { ["QWEN_KEY"] = "sk-sp-fromenv000000000wxyz" } };
}
