using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Config;

public class ConfigInterpolationTests
{
    private const string TwoProviders = """
        {
          "Providers": [
            { "name": "qwen", "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "${QWEN_API_KEY}", "models": ["qwen3-coder-plus"] },
            { "name": "other", "api_base_url": "https://$OTHER_HOST/v1", "api_key": "$OTHER_KEY", "models": ["m"] }
          ],
          "HOST": "${BIND_HOST}"
        }
        """;

    [Fact]
    public void Variables_ComeFromTheEnvironment()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, TwoProviders, new Dictionary<string, string?>
        {
            ["QWEN_API_KEY"] = "sk-sp-fromenvironment1",
            ["OTHER_HOST"] = "example.com",
            ["OTHER_KEY"] = "other-key-12345",
            ["BIND_HOST"] = "127.0.0.3",
        });
        Assert.True(result.Success, TestLoad.Dump(result));
        Assert.Equal("sk-sp-fromenvironment1", result.Config!.Providers[0].ApiKey);
        Assert.Equal("${QWEN_API_KEY}", result.Config.Providers[0].ApiKeyTemplate);
        Assert.Equal("https://example.com/v1/chat/completions", result.Config.Providers[1].Endpoint.ToString());
        Assert.Equal("127.0.0.3", result.Config.Host);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void DotEnvBesideTheConfig_ThenInTheWorkingDirectory_RealEnvironmentWins()
    {
        using var folder = new TempFolder();
        using var cwd = new TempFolder();
        folder.Write(".env", "# keys\nexport QWEN_API_KEY=\"sk-sp-besideconfig01\"\nOTHER_KEY='beside-other-key'\n");
        cwd.Write(".env", "QWEN_API_KEY=sk-sp-workingdir0001\nOTHER_HOST=cwd.example.com # comment\nOTHER_KEY=cwd-other-key-1\nBIND_HOST=127.0.0.9\n");
        string path = folder.Write("config.json", TwoProviders);
        var options = new ConfigLoadOptions
        {
            Environment = new Dictionary<string, string?> { ["BIND_HOST"] = "127.0.0.4" },
            WorkingDirectory = cwd.Path,
        };

        ConfigLoadResult result = ConfigLoader.Load(path, options);

        Assert.True(result.Success, TestLoad.Dump(result));
        Assert.Equal("sk-sp-besideconfig01", result.Config!.Providers[0].ApiKey);
        Assert.Equal("beside-other-key", result.Config.Providers[1].ApiKey);
        Assert.Equal("https://cwd.example.com/v1/chat/completions", result.Config.Providers[1].Endpoint.ToString());
        Assert.Equal("127.0.0.4", result.Config.Host);
    }

    [Fact]
    public void MissingKeyVariable_MakesOnlyThatProviderKeyMissing()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, TwoProviders, new Dictionary<string, string?>
        {
            ["OTHER_HOST"] = "example.com",
            ["OTHER_KEY"] = "other-key-12345",
        });

        Assert.True(result.Success, TestLoad.Dump(result));
        ProviderConfig qwen = result.Config!.Providers[0];
        Assert.Equal(KeyState.KeyMissing, qwen.KeyState);
        Assert.Equal("QWEN_API_KEY", qwen.MissingVariable);
        Assert.Null(qwen.ApiKey);
        Assert.Equal(KeyState.Ok, result.Config.Providers[1].KeyState);
        ConfigDiagnostic keyMissing = Assert.Single(result.Diagnostics, d => d.Code == "KeyMissing");
        Assert.Equal(DiagnosticSeverity.Warning, keyMissing.Severity);
        Assert.Equal("$.Providers[0].api_key", keyMissing.JsonPath);
        Assert.Contains("QWEN_API_KEY", keyMissing.Message, StringComparison.Ordinal);
        ConfigDiagnostic hostMissing = Assert.Single(result.Diagnostics, d => d.Code == "MissingVariable");
        Assert.Equal("$.HOST", hostMissing.JsonPath);
        Assert.Equal("127.0.0.1", result.Config.Host);
        Assert.Equal(RouteTargetState.KeyMissing, result.Config.GetRouteState(new RouteTarget("qwen", "qwen3-coder-plus")));
    }

    [Fact]
    public void LoneDollarSigns_StayAsWritten()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, """{ "Presets": { "p": { "route": "a,b", "system": "costs $5 or ${ } $" } } }""");
        Assert.Equal("costs $5 or ${ } $", result.Config!.Presets["p"].System);
    }
}
