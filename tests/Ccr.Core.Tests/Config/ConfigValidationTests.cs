using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Config;

public class ConfigValidationTests
{
    private static ConfigDiagnostic Only(ConfigLoadResult result, string code)
    {
        ConfigDiagnostic d = Assert.Single(result.Diagnostics, x => x.Code == code);
        Assert.NotNull(d.FilePath);
        Assert.EndsWith("config.json", d.FilePath, StringComparison.Ordinal);
        return d;
    }

    [Fact]
    public void DuplicateProviderName_IsAnErrorAtTheSecondName()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, """
            {
              "Providers": [
                { "name": "qwen", "api_base_url": "https://example.com/v1" },
                { "name": "QWEN", "api_base_url": "https://example.org/v1" }
              ]
            }
            """);
        Assert.False(result.Success);
        ConfigDiagnostic d = Only(result, "DuplicateProvider");
        Assert.Equal((DiagnosticSeverity.Error, 4, 15, "$.Providers[1].name"), (d.Severity, d.Line, d.Column, d.JsonPath));
        Assert.Contains("rename one of them", d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://example.com/v1")]
    [InlineData("/v1/chat/completions")]
    public void BadBaseUrl_IsAnErrorWithAnExample(string url)
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, "{\n  \"Providers\": [ { \"name\": \"p\",\n    \"api_base_url\": \"" + url + "\" } ] }");
        ConfigDiagnostic d = Only(result, "InvalidBaseUrl");
        Assert.Equal((DiagnosticSeverity.Error, 3, 21, "$.Providers[0].api_base_url"), (d.Severity, d.Line, d.Column, d.JsonPath));
        Assert.Contains("absolute http(s) URL", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CodingPlanHostWithAStandardKey_IsAWarning_AndTheProviderIsKeySuspectButLoads()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(
            folder,
            "{ \"Providers\": [ { \"name\": \"qwen\", \"api_base_url\": \"https://coding-intl.dashscope.aliyuncs.com/v1\",\n  \"api_key\": \"${QWEN_API_KEY}\" } ] }",
            new Dictionary<string, string?> { ["QWEN_API_KEY"] = "sk-standard0123456789" });
        ConfigDiagnostic d = Only(result, "CodingPlanKeyMismatch");
        Assert.Equal((DiagnosticSeverity.Warning, 2, 14, "$.Providers[0].api_key"), (d.Severity, d.Line, d.Column, d.JsonPath));
        Assert.Contains("Coding Plan endpoints need the plan key sk-sp-…; a standard Model Studio key belongs on dashscope-intl.aliyuncs.com", d.Message, StringComparison.Ordinal);
        Assert.Contains("still sends it", d.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-standard0123456789", d.ToString(), StringComparison.Ordinal);
        Assert.True(result.Success, TestLoad.Dump(result));
        Assert.Equal(KeyState.KeySuspect, result.Config!.Providers[0].KeyState);
        Assert.Equal("sk-standard0123456789", result.Config.Providers[0].ApiKey);
    }

    [Fact]
    public void StandardDashScopeHostWithAPlanKey_IsAWarning_AndTheProviderIsKeySuspect()
    {
        using var folder = new TempFolder();
        const string json = """{ "Providers": [ { "name": "ds", "api_base_url": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "api_key": "sk-sp-0123456789abcdef" } ] }""";
        ConfigLoadResult result = TestLoad.Text(folder, json);
        ConfigDiagnostic d = Only(result, "StandardKeyMismatch");
        Assert.Equal((DiagnosticSeverity.Warning, 1, json.IndexOf("\"sk-sp-", StringComparison.Ordinal) + 1, "$.Providers[0].api_key"), (d.Severity, d.Line, d.Column, d.JsonPath));
        Assert.Contains("coding-intl.dashscope.aliyuncs.com", d.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef", d.Message, StringComparison.Ordinal);
        Assert.True(result.Success, TestLoad.Dump(result));
        Assert.Equal(KeyState.KeySuspect, result.Config!.Providers[0].KeyState);
    }

    [Fact]
    public void UnparsableRoute_IsAnErrorAtTheTier()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, "{\n  \"Router\": {\n    \"tiers\": [\n      \"a,b\",\n      \"glm-5\"\n    ]\n  }\n}");
        ConfigDiagnostic d = Only(result, "InvalidRoute");
        Assert.Equal((DiagnosticSeverity.Error, 5, 7, "$.Router.tiers[1]"), (d.Severity, d.Line, d.Column, d.JsonPath));
        Assert.Contains("provider,model", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RouteToUnknownProviderOrModel_IsAWarningAndTheRouteIsUnusable()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, """
            {
              "Providers": [ { "name": "qwen", "api_base_url": "https://example.com/v1", "models": ["qwen3-coder-plus"] } ],
              "Router": { "tiers": ["qwen,qwen3-coder-plus", "qwen,qwen-typo", "zai,glm-5"] },
              "Presets": { "p": { "route": "zai,glm-5" } }
            }
            """);
        Assert.True(result.Success, TestLoad.Dump(result));
        ConfigDiagnostic model = Only(result, "UnknownModel");
        Assert.Equal((DiagnosticSeverity.Warning, 3, 50, "$.Router.tiers[1]"), (model.Severity, model.Line, model.Column, model.JsonPath));
        Assert.Contains("add it to models", model.Message, StringComparison.Ordinal);
        ConfigDiagnostic[] providers = result.Diagnostics.Where(d => d.Code == "UnknownProvider").ToArray();
        Assert.Equal(new[] { "$.Router.tiers[2]", "$.Presets.p.route" }, providers.Select(d => d.JsonPath));
        Assert.Equal(RouteTargetState.UnknownModel, result.Config!.GetRouteState(result.Config.Router.Tiers[1]));
    }

    [Fact]
    public void UnknownTransformer_IsAWarning()
    {
        using var folder = new TempFolder();
        const string json = """{ "Providers": [ { "name": "p", "api_base_url": "https://example.com/v1", "transformer": { "use": ["anthropic", "frobnicate"] } } ] }""";
        ConfigLoadResult result = TestLoad.Text(folder, json);
        Assert.True(result.Success);
        ConfigDiagnostic d = Only(result, "UnknownTransformer");
        Assert.Equal((DiagnosticSeverity.Warning, 1, json.IndexOf("\"frobnicate", StringComparison.Ordinal) + 1, "$.Providers[0].transformer.use[1]"), (d.Severity, d.Line, d.Column, d.JsonPath));
        Assert.Contains("check the spelling", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownQuotaPlan_IsAnError()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, """{ "Providers": [ { "name": "p", "api_base_url": "https://example.com/v1", "quota": { "plan": "max" } } ] }""");
        Assert.Equal("$.Providers[0].quota.plan", Only(result, "InvalidQuotaPlan").JsonPath);
    }

    [Fact]
    public void DiagnosticsAboutAProvider_CarryItsName_OthersDoNot()
    {
        using var folder = new TempFolder();
        const string json = """
            { "Providers": [
                { "name": "qwen", "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "sk-standard0123456789", "quota": 5 },
                { "name": "qwen", "api_base_url": "https://api.example.com/v1" } ],
              "Router": { "tiers": ["glm-5"] } }
            """;
        ConfigLoadResult result = TestLoad.Text(folder, json);
        Assert.Equal("qwen", Only(result, "CodingPlanKeyMismatch").Provider);
        Assert.Equal("qwen", result.Diagnostics.Single(d => d.Code == "InvalidType" && d.JsonPath == "$.Providers[0].quota").Provider);
        Assert.Equal("qwen", Only(result, "DuplicateProvider").Provider);
        Assert.Null(Only(result, "InvalidRoute").Provider);
    }
}
