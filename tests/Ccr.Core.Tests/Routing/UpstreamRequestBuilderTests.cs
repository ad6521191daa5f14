using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;

namespace Ccr.Core.Tests.Routing;

/// <summary>The request builder picks the translation from the client's protocol, the upstream's protocol and the preset.</summary>
public class UpstreamRequestBuilderTests
{
    private static readonly byte[] s_anthropic = Encoding.UTF8.GetBytes("""{"model":"p,m","max_tokens":9,"messages":[{"role":"user","content":"Hi"}]}""");
    private static readonly byte[] s_chat = Encoding.UTF8.GetBytes("""{"model":"p,m","max_tokens":9,"messages":[{"role":"user","content":"Hi"}],"logit_bias":{"1":2}}""");

    [Theory]
    [InlineData(ClientProtocol.Anthropic, WireProtocol.Anthropic, false, UpstreamRequestKind.AnthropicPassthrough)]
    [InlineData(ClientProtocol.OpenAIChat, WireProtocol.Anthropic, false, UpstreamRequestKind.AnthropicPassthrough)]
    [InlineData(ClientProtocol.OpenAIResponses, WireProtocol.Anthropic, true, UpstreamRequestKind.AnthropicPassthrough)]
    [InlineData(ClientProtocol.Anthropic, WireProtocol.OpenAI, false, UpstreamRequestKind.AnthropicToOpenAI)]
    [InlineData(ClientProtocol.OpenAIChat, WireProtocol.OpenAI, false, UpstreamRequestKind.ChatPassthrough)]
    [InlineData(ClientProtocol.OpenAIChat, WireProtocol.OpenAI, true, UpstreamRequestKind.AnthropicToOpenAI)]
    [InlineData(ClientProtocol.OpenAIResponses, WireProtocol.OpenAI, false, UpstreamRequestKind.AnthropicToOpenAI)]
    public void Choose_PicksTheTranslationByClientUpstreamAndPreset(object client, WireProtocol upstream, bool preset, object expected)
    {
        // object: the enums are internal to Core, and a public test method cannot name them.
        Assert.Equal((UpstreamRequestKind)expected, UpstreamRequestBuilder.Choose(Request((ClientProtocol)client), upstream, preset));
    }

    [Fact]
    public void Choose_ChatClientWithoutItsOwnSink_IsTranslated()
    {
        var request = new InboundRequest { Body = s_anthropic, Facts = RequestFacts.Read(s_anthropic), RequestId = "r", ClientProtocol = ClientProtocol.OpenAIChat, ClientChatBody = s_chat };

        Assert.Equal(UpstreamRequestKind.AnthropicToOpenAI, UpstreamRequestBuilder.Choose(request, WireProtocol.OpenAI, hasPreset: false));
    }

    [Fact]
    public void Write_ChatPassthrough_SendsTheClientsOwnBodyWithTheRoutedModel()
    {
        var output = new ArrayBufferWriter<byte>();
        UpstreamRequestKind kind = UpstreamRequestBuilder.Write(Request(ClientProtocol.OpenAIChat), null, Target(WireProtocol.OpenAI, "routed-model"), output);

        JsonNode sent = JsonNode.Parse(output.WrittenSpan)!;
        Assert.Equal(UpstreamRequestKind.ChatPassthrough, kind);
        Assert.Equal("routed-model", (string?)sent["model"]);
        Assert.Equal(2, (int)sent["logit_bias"]!["1"]!); // only the client's chat body has it
    }

    [Fact]
    public void Write_Preset_TranslatesTheAnthropicFormWithThePresetsFields()
    {
        var output = new ArrayBufferWriter<byte>();
        var preset = new PresetConfig { Name = "warm", Route = new RouteTarget("p", "routed-model"), Temperature = 0.25 };
        UpstreamRequestKind kind = UpstreamRequestBuilder.Write(Request(ClientProtocol.OpenAIChat), preset, Target(WireProtocol.OpenAI, "routed-model"), output);

        JsonNode sent = JsonNode.Parse(output.WrittenSpan)!;
        Assert.Equal(UpstreamRequestKind.AnthropicToOpenAI, kind);
        Assert.Equal(0.25, (double)sent["temperature"]!, 3);
        Assert.Null(sent["logit_bias"]);
    }

    [Fact]
    public void Write_AnthropicUpstream_KeepsTheAnthropicShape()
    {
        var output = new ArrayBufferWriter<byte>();
        UpstreamRequestKind kind = UpstreamRequestBuilder.Write(Request(ClientProtocol.Anthropic), null, Target(WireProtocol.Anthropic, "claude-x"), output);

        JsonNode sent = JsonNode.Parse(output.WrittenSpan)!;
        Assert.Equal(UpstreamRequestKind.AnthropicPassthrough, kind);
        Assert.Equal("claude-x", (string?)sent["model"]);
        Assert.Equal("Hi", (string?)sent["messages"]![0]!["content"]);
    }

    private static InboundRequest Request(ClientProtocol client) => new()
    {
        Body = s_anthropic,
        Facts = RequestFacts.Read(s_anthropic),
        RequestId = "req_test",
        ClientProtocol = client,
        ClientChatBody = client == ClientProtocol.OpenAIChat ? s_chat : null,
        ClientSink = client == ClientProtocol.OpenAIChat ? new RecordingSink() : null,
    };

    private static PlannedTarget Target(WireProtocol protocol, string model)
    {
        var config = new ProviderConfig
        {
            Name = "p",
            ApiBaseUrl = "http://127.0.0.1:1/v1",
            Endpoint = new Uri(protocol == WireProtocol.Anthropic ? "http://127.0.0.1:1/anthropic/v1/messages" : "http://127.0.0.1:1/v1/chat/completions"),
            Protocol = protocol,
        };
        return new PlannedTarget(new RouteTarget("p", model), 0, "tier-0", new ProviderRuntime(config));
    }
}
