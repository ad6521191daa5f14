using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Config;

public class CustomRouterConfigTests
{
    private const string Providers = """
        "Providers": [ { "name": "fake", "api_base_url": "http://127.0.0.1:1/v1", "api_key": "${QWEN_API_KEY}", "models": ["good"] } ],
        "Router": { "default": "fake,good" }
        """;

    [Fact]
    public void RelativePath_IsTakenFromTheConfigsFolder_AndTheTimeoutDefaultsTo100Ms()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("routers"));
        folder.Write(Path.Combine("routers", "route.ps1"), "param($Request) $null");

        ConfigLoadResult result = TestLoad.Text(folder, "{ " + Providers + """, "CUSTOM_ROUTER_PATH": "routers/route.ps1" }""");

        Assert.NotNull(result.Config);
        Assert.Equal(Path.Combine(folder.Path, "routers", "route.ps1"), result.Config.CustomRouterPath);
        Assert.Equal(100, result.Config.CustomRouterTimeoutMs);
        Assert.Empty(result.Config.Warnings);
    }

    [Fact]
    public void TildePath_IsTheUsersHome_AndTheTimeoutIsRead()
    {
        using var folder = new TempFolder();

        ConfigLoadResult result = TestLoad.Text(folder, "{ " + Providers + """, "CUSTOM_ROUTER_PATH": "~/ccr-router-that-is-not-there.ps1", "CUSTOM_ROUTER_TIMEOUT_MS": 250 }""");

        Assert.NotNull(result.Config);
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, "ccr-router-that-is-not-there.ps1"), result.Config.CustomRouterPath);
        Assert.Equal(250, result.Config.CustomRouterTimeoutMs);
        ConfigDiagnostic missing = Assert.Single(result.Config.Warnings);
        Assert.Equal("CustomRouterMissing", missing.Code);
    }

    [Fact]
    public void JavaScriptRouter_IsRefusedWithAWarning_AndRoutingGoesOn()
    {
        using var folder = new TempFolder();
        folder.Write("custom-router.js", "module.exports = async () => null;");

        ConfigLoadResult result = TestLoad.Text(folder, "{ " + Providers + """, "CUSTOM_ROUTER_PATH": "custom-router.js" }""");

        Assert.NotNull(result.Config);
        Assert.Null(result.Config.CustomRouterPath);
        ConfigDiagnostic warning = Assert.Single(result.Config.Warnings);
        Assert.Equal("CustomRouterNotPowerShell", warning.Code);
        Assert.Contains(".ps1", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TimeoutOutOfRange_IsAnError()
    {
        using var folder = new TempFolder();

        ConfigLoadResult result = TestLoad.Text(folder, "{ " + Providers + """, "CUSTOM_ROUTER_TIMEOUT_MS": 0 }""");

        Assert.Null(result.Config);
        Assert.Contains(result.Diagnostics, d => d.JsonPath.Contains("CUSTOM_ROUTER_TIMEOUT_MS", StringComparison.Ordinal));
    }
}
