using System.Text;
using Ccr.Core.Protocol;

namespace Ccr.Core.Tests.Protocol;

public class RequestFactsTests
{
    private static RequestFacts Read(string json) => RequestFacts.Read(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void SeedCurlBody_IsRead()
    {
        RequestFacts f = Read("{\"model\":\"qwen,qwen3-coder-plus\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
        Assert.Equal("qwen,qwen3-coder-plus", f.Model);
        Assert.Equal(50, f.MaxTokens);
        Assert.False(f.Stream);
        Assert.True(f.HasMessages);
        Assert.False(f.HasSystem);
        Assert.False(f.HasTemperature);
    }

    [Fact]
    public void AllFacts_AreRead()
    {
        RequestFacts f = Read("""
            {"stream":true,"temperature":0.2,"top_p":0.9,"thinking":{"type":"enabled","budget_tokens":2048},
             "system":[{"type":"text","text":"  <CCR-SUBAGENT-MODEL>qwen,qwen3-max-2026-01-23</CCR-SUBAGENT-MODEL>rest","cache_control":{"type":"ephemeral"}}],
             "tools":[{"name":"Read","input_schema":{"type":"object","properties":{"name":{"type":"string"}}}},{"type":"web_search_20250305","name":"web_search"}],
             "messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"model":"claude-3-5-haiku"}
            """);
        Assert.True(f.Stream);
        Assert.True(f.HasTemperature);
        Assert.True(f.HasTopP);
        Assert.True(f.ThinkingEnabled);
        Assert.True(f.HasWebSearchTool);
        Assert.True(f.HasSystem);
        Assert.Equal("qwen,qwen3-max-2026-01-23", f.SubagentRoute);
        Assert.Equal("claude-3-5-haiku", f.Model);
        Assert.Null(f.MaxTokens);
    }

    [Fact]
    public void SubagentTag_NotAtStart_IsIgnored_AndNoWebSearchFromSchemaProperties()
    {
        RequestFacts f = Read("{\"system\":\"hi <CCR-SUBAGENT-MODEL>a,b</CCR-SUBAGENT-MODEL>\",\"tools\":[{\"name\":\"Grep\",\"input_schema\":{\"properties\":{\"type\":\"web_search\"}}}],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        Assert.Null(f.SubagentRoute);
        Assert.False(f.HasWebSearchTool);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("[1]", "must be a JSON object")]
    [InlineData("{\"messages\":[", "not valid JSON at line 1")]
    [InlineData("{\"model\":\"m\"}", "messages: field required")]
    [InlineData("{\"messages\":[]}", "at least one message")]
    [InlineData("{\"messages\":{}}", "messages: must be an array")]
    [InlineData("{\"messages\":[{\"role\":\"developer\",\"content\":\"x\"}]}", "messages[0].role: must be \"user\", \"assistant\" or \"system\" (got \"developer\")")]
    [InlineData("{\"messages\":[{\"role\":\"user\"}]}", "messages[0].content: field required")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]}", "messages[0].content[0].type: field required")]
    [InlineData("{\"max_tokens\":\"50\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "max_tokens: must be a positive integer (got a string)")]
    [InlineData("{\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "stream: must be true or false")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} trailing", "not valid JSON")]
    public void InvalidBodies_ThrowWithWhatAndWhere(string body, string expected)
    {
        var e = Assert.Throws<AnthropicRequestException>(() => Read(body));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(400, e.Error.Status);
        Assert.Equal("invalid_request_error", e.Error.Type);
    }
}
