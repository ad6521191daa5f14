namespace Ccr.Core.Tests.Server;

/// <summary>A proxy started without the PowerShell module (no script compiler) and a config that names a router script.</summary>
public class CustomRouterHostlessTests
{
    [Fact]
    public async Task ProxyWithoutPowerShell_WarnsAboutCustomRouterPath_AndRoutesAsUsual()
    {
        string scriptFolder = Path.Combine(Path.GetTempPath(), "ccr-router-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scriptFolder);
        string script = Path.Combine(scriptFolder, "router.ps1");
        await File.WriteAllTextAsync(script, "param($Request) 'fake,other'");
        string config = """
            { "Providers": [ { "name": "fake", "api_base_url": "{OPENAI}", "api_key": "sk-fake-0123456789", "models": ["good", "other"] } ],
              "Router": { "default": "fake,good" }, "CUSTOM_ROUTER_PATH": "SCRIPT" }
            """.Replace("SCRIPT", script.Replace("\\", "\\\\", StringComparison.Ordinal), StringComparison.Ordinal);
        try
        {
            await using ProxyFixture proxy = await ProxyFixture.StartAsync(config);

            using HttpResponseMessage response = await proxy.PostAsync("/v1/messages", """{"model":"claude-sonnet-4","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""");

            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1, proxy.Upstream.CountFor("good"));
            Assert.Equal(0, proxy.Upstream.CountFor("other"));
            string log = await proxy.ReadLogAsync("without the Ccr PowerShell module");
            Assert.Contains("without the Ccr PowerShell module", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(scriptFolder, recursive: true);
        }
    }
}
