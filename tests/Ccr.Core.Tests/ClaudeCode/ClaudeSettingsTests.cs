using Ccr.Core.ClaudeCode;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.ClaudeCode;

/// <summary>Claude Code's settings.json read from real files in a temp folder.</summary>
public class ClaudeSettingsTests
{
    private const string BaseUrl = "http://127.0.0.1:3456";

    [Fact]
    public void NoFile_NoConflicts()
    {
        using var folder = new TempFolder();

        Assert.Empty(ClaudeSettings.FindConflicts(BaseUrl, folder.File("settings.json")));
    }

    [Fact]
    public void ABaseUrlElsewhere_IsReportedWithTheFixInTheMessage()
    {
        using var folder = new TempFolder();
        string path = folder.Write("settings.json", """
            {
              // Claude Code allows comments and trailing commas here
              "env": { "ANTHROPIC_BASE_URL": "https://api.anthropic.com", },
            }
            """);

        string conflict = Assert.Single(ClaudeSettings.FindConflicts(BaseUrl, path));

        Assert.Contains("env.ANTHROPIC_BASE_URL to 'https://api.anthropic.com'", conflict, StringComparison.Ordinal);
        Assert.Contains("set it to " + BaseUrl, conflict, StringComparison.Ordinal);
    }

    [Fact]
    public void TheProxysOwnBaseUrl_WithATrailingSlash_IsNoConflict()
    {
        using var folder = new TempFolder();
        string path = folder.Write("settings.json", """{"env":{"ANTHROPIC_BASE_URL":"http://127.0.0.1:3456/"}}""");

        Assert.Empty(ClaudeSettings.FindConflicts(BaseUrl, path));
    }

    [Fact]
    public void AnApiKey_IsReported_AndOutranksAnAuthToken()
    {
        using var folder = new TempFolder();
        string both = folder.Write("both.json", """{"env":{"ANTHROPIC_API_KEY":"sk-ant-x","ANTHROPIC_AUTH_TOKEN":"t"}}""");
        string token = folder.Write("token.json", """{"env":{"ANTHROPIC_AUTH_TOKEN":"t"}}""");

        string apiKey = Assert.Single(ClaudeSettings.FindConflicts(BaseUrl, both));
        string authToken = Assert.Single(ClaudeSettings.FindConflicts(BaseUrl, token));

        Assert.Contains("env.ANTHROPIC_API_KEY", apiKey, StringComparison.Ordinal);
        Assert.Contains("env.ANTHROPIC_AUTH_TOKEN", authToken, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatIsNotJson_SaysItCouldNotBeRead()
    {
        using var folder = new TempFolder();
        string path = folder.Write("settings.json", "{ not json");

        string finding = Assert.Single(ClaudeSettings.FindConflicts(BaseUrl, path));

        Assert.StartsWith("Could not read " + path, finding, StringComparison.Ordinal);
    }
}
