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
}
