using System.Buffers;
using System.Text.Json.Nodes;
using Ccr.Core.Protocol;
using Ccr.Core.Providers;

namespace Ccr.Core.Tests.Protocol;

public class RequestTranslationTests
{
    public static IEnumerable<object[]> Cases => ProtocolFixtures.Names("Request");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Golden_RequestTranslatesToExpectedUpstreamBody(string name)
    {
        JsonObject fixture = ProtocolFixtures.Load("Request", name);
        ProviderProfile profile = ProviderProfile.For(ProtocolFixtures.Provider(fixture["provider"]));
        JsonNode o = fixture["overrides"]!;
        var overrides = new RequestOverrides
        {
            Model = (string)o["model"]!,
            Temperature = (double?)o["temperature"],
            MaxTokens = (int?)o["max_tokens"],
            TopP = (double?)o["top_p"],
            System = (string?)o["system"],
            StripSubagentTag = (bool?)o["strip_subagent_tag"] ?? false,
        };
        var output = new ArrayBufferWriter<byte>();
        byte[] body = ProtocolFixtures.Bytes(fixture["anthropic"]!);
        if (profile.Protocol == Ccr.Core.Config.WireProtocol.Anthropic)
        {
            AnthropicPassthroughRequest.Write(body, overrides, profile, output);
        }
        else
        {
            AnthropicToOpenAIRequest.Write(body, overrides, profile, output);
        }

        ProtocolFixtures.AssertMatches("Request", name, fixture, "expected", ProtocolFixtures.Parse(output));
    }

    [Fact]
    public void Passthrough_CopiesUntouchedPropertiesByteForByte()
    {
        byte[] body = "{\"model\":\"claude-sonnet-4\",\"messages\":[{\"role\":\"user\",\"content\":\"caf\\u00e9  spaced\"}],\"max_tokens\":10,\"x_extra\":[1,  2]}"u8.ToArray();
        var output = new ArrayBufferWriter<byte>();
        ProviderProfile profile = ProviderProfile.For(ProtocolFixtures.Provider(new JsonObject { ["protocol"] = "anthropic", ["api_base_url"] = "https://api.z.ai/api/anthropic" }));
        AnthropicPassthroughRequest.Write(body, new RequestOverrides { Model = "glm-5" }, profile, output);
        string written = System.Text.Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.Contains("\"messages\":[{\"role\":\"user\",\"content\":\"caf\\u00e9  spaced\"}]", written, StringComparison.Ordinal);
        Assert.Contains("\"x_extra\":[1,  2]", written, StringComparison.Ordinal);
        Assert.Contains("\"model\":\"glm-5\"", written, StringComparison.Ordinal);
        Assert.DoesNotContain("claude-sonnet-4", written, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_InvalidJson_ThrowsRequestExceptionWith400()
    {
        var output = new ArrayBufferWriter<byte>();
        ProviderProfile profile = ProviderProfile.For(ProtocolFixtures.Provider(null));
        var e = Assert.Throws<AnthropicRequestException>(() => AnthropicToOpenAIRequest.Write("{\"messages\":["u8, new RequestOverrides { Model = "m" }, profile, output));
        Assert.Equal(400, e.Error.Status);
        Assert.Equal("invalid_request_error", e.Error.Type);
    }

    [Fact]
    public void SystemTurnInsideMessages_IsAcceptedAsClaudeCodeSendsIt()
    {
        // Claude Code 2.1.x puts its environment notes in a {"role":"system"} turn after the first user turn.
        byte[] body = """{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"Hi"},{"role":"system","content":[{"type":"text","text":"# Environment"}]}]}"""u8.ToArray();

        RequestFacts facts = RequestFacts.Read(body);

        Assert.True(facts.HasMessages);
    }

    [Fact]
    public void UnknownRoleInsideMessages_IsStillA400()
    {
        byte[] body = """{"model":"m","max_tokens":5,"messages":[{"role":"robot","content":"Hi"}]}"""u8.ToArray();

        var e = Assert.Throws<AnthropicRequestException>(() => RequestFacts.Read(body));

        Assert.Equal(400, e.Error.Status);
        Assert.Contains("messages[0].role", e.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SystemTurnsInsideMessages_JoinTheLeadingSystemMessageForOpenAIUpstreams()
    {
        byte[] body = """
            {"model":"m","max_tokens":5,"system":"You are Claude Code.",
             "messages":[{"role":"user","content":"Hi"},{"role":"system","content":[{"type":"text","text":"# Environment"}]},{"role":"system","content":"late note"}]}
            """u8.ToArray();
        var output = new ArrayBufferWriter<byte>();

        AnthropicToOpenAIRequest.Write(body, new RequestOverrides { Model = "m" }, ProviderProfile.For(ProtocolFixtures.Provider(null)), output);

        JsonArray messages = ProtocolFixtures.Parse(output)!["messages"]!.AsArray();
        Assert.Equal(2, messages.Count);
        Assert.Equal("system", (string?)messages[0]!["role"]);
        Assert.Equal("You are Claude Code.\n\n# Environment\n\nlate note", (string?)messages[0]!["content"]);
        Assert.Equal("user", (string?)messages[1]!["role"]);
    }
}
