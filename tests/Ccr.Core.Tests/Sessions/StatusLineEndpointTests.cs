using System.Net;
using System.Text;
using Ccr.Core.Tests.Server;
using FakeUpstream;

namespace Ccr.Core.Tests.Sessions;

/// <summary>POST /ccr/statusline over real HTTP: the line names who answered the session whose Claude Code asks.</summary>
public class StatusLineEndpointTests
{
    private const string Config = """
        {
          "Providers": [
            {
              "name": "qwen",
              "api_base_url": "{OPENAI}",
              "api_key": "sk-sp-test-key-qwen-1234",
              "models": ["qwen3-coder-plus"],
              "tier_name": "ccr-qwen",
              "quota": { "plan": "pro" }
            },
            {
              "name": "backup",
              "api_base_url": "{OPENAI}",
              "api_key": "sk-backup-key-5678",
              "models": ["backup-model"],
              "tier_name": "ccr-backup"
            }
          ],
          "Router": {
            "default": "qwen,qwen3-coder-plus",
            "tiers": ["qwen,qwen3-coder-plus", "backup,backup-model"],
            "tierRetries": { "tier-0": { "max_retries": 0 } }
          }
        }
        """;

    private const string Session21 = "8f2c1f0e-3b7a-4c55-9d1e-2a6b7c8d9e0f";

    [Fact]
    public async Task ClaudeCode21Session_ShowsTheModelTierAndQuotaThatAnsweredIt()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config, u => u.Script("qwen3-coder-plus", FakeReply.Text("hi")));
        string userId = "{\"device_id\":\"d1f0\",\"account_uuid\":\"a7b8\",\"session_id\":\"" + Session21 + "\"}";
        await AskAsync(f, userId);

        string line = await StatusLineAsync(f, Session21, "?color=0");

        Assert.Equal("qwen,qwen3-coder-plus · ccr-qwen · 5h 1/6k ↻", line[..line.IndexOf('↻', StringComparison.Ordinal)] + "↻");
        Assert.Matches(@"↻\d\d:\d\d · wk 1/45k · mo 1/90k$", line);
        Assert.DoesNotContain("fallback", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LegacyUserIdSession_IsFoundToo()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config, u => u.Script("qwen3-coder-plus", FakeReply.Text("hi")));
        await AskAsync(f, "user_5a1b2c3d_account_0f1e2d3c-aaaa-bbbb-cccc-123456789abc_session_legacy-42");

        string line = await StatusLineAsync(f, "legacy-42", "?color=0");

        Assert.StartsWith("qwen,qwen3-coder-plus · ccr-qwen · 5h 1/6k", line, StringComparison.Ordinal);
        Assert.DoesNotContain("default route", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswerFromAFallbackTier_IsMarked()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config, u =>
        {
            u.Script("qwen3-coder-plus", FakeReply.ServerError(500));
            u.Script("backup-model", FakeReply.Text("from backup"));
        });
        await AskAsync(f, "user_x_account_y_session_fb-1");

        string line = await StatusLineAsync(f, "fb-1", "?color=0");

        Assert.Equal("backup,backup-model · ccr-backup · ↪ fallback", line);
    }

    [Fact]
    public async Task UnknownSession_GetsTheDefaultRouteLine_NotAnError()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config);

        string line = await StatusLineAsync(f, "never-seen", "?color=0");
        using HttpResponseMessage garbage = await f.PostAsync("/ccr/statusline", "not json at all");

        Assert.Equal("qwen,qwen3-coder-plus · ccr-qwen · default route · 5h 0/6k · wk 0/45k · mo 0/90k", line);
        Assert.Equal(HttpStatusCode.OK, garbage.StatusCode);
        Assert.Contains("default route", await garbage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Colour_IsOnByDefault_AndOffWhenAsked()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config);

        string colored = await StatusLineAsync(f, "s", "");
        string plain = await StatusLineAsync(f, "s", "?color=0");
        string noColor = await StatusLineAsync(f, "s", "?no_color=1");

        Assert.Contains("\u001b[", colored, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", noColor, StringComparison.Ordinal);
        Assert.Equal(plain, Strip(colored));
    }

    [Fact]
    public async Task WithApiKey_TheEndpointNeedsIt_LikeTiers()
    {
        string config = Config.Replace("\"Providers\"", "\"APIKEY\": \"local-secret-key\", \"Providers\"", StringComparison.Ordinal);
        await using ProxyFixture f = await ProxyFixture.StartAsync(config);

        using HttpResponseMessage without = await f.PostAsync("/ccr/statusline?color=0", "{\"session_id\":\"s\"}");
        using HttpResponseMessage tiers = await f.Client.GetAsync("/ccr/tiers");
        using HttpResponseMessage with = await f.PostAsync("/ccr/statusline?color=0", "{\"session_id\":\"s\"}", ("x-api-key", "local-secret-key"));
        using HttpResponseMessage bearer = await f.PostAsync("/ccr/statusline?color=0", "{\"session_id\":\"s\"}", ("Authorization", "Bearer local-secret-key"));

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(tiers.StatusCode, without.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", with.Content.Headers.ContentType!.ToString());
        Assert.StartsWith("qwen,qwen3-coder-plus", await with.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
    }

    [Fact]
    public async Task GetOnTheEndpoint_Is405()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config);

        using HttpResponseMessage response = await f.Client.GetAsync("/ccr/statusline");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    private static async Task AskAsync(ProxyFixture f, string userId)
    {
        string escaped = System.Text.Json.JsonSerializer.Serialize(userId);
        using HttpResponseMessage response = await f.PostAsync("/v1/messages",
            "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"metadata\":{\"user_id\":" + escaped + "},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<string> StatusLineAsync(ProxyFixture f, string sessionId, string query)
    {
        // The shape Claude Code pipes to the command (trimmed): the proxy reads only session_id.
        string body = "{\"hook_event_name\":\"Status\",\"session_id\":\"" + sessionId + "\",\"transcript_path\":\"/tmp/t.jsonl\",\"cwd\":\"/work\"," +
            "\"model\":{\"id\":\"claude-sonnet-4-5\",\"display_name\":\"Sonnet\"},\"workspace\":{\"current_dir\":\"/work\",\"project_dir\":\"/work\"}," +
            "\"version\":\"2.1.3\",\"cost\":{\"total_cost_usd\":0.01,\"total_duration_ms\":1200}}";
        using HttpResponseMessage response = await f.PostAsync("/ccr/statusline" + query, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
    }

    private static string Strip(string text) => System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;]*m", "");
}
