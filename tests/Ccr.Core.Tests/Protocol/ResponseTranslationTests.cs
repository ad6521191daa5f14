using System.Buffers;
using System.Text.Json.Nodes;
using Ccr.Core.Protocol;
using Ccr.Core.Tests.Routing;

namespace Ccr.Core.Tests.Protocol;

public class ResponseTranslationTests
{
    public static IEnumerable<object[]> Cases => ProtocolFixtures.Names("Response");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Golden_ResponseTranslatesAndValidatesAgainstStrictSchema(string name)
    {
        JsonObject fixture = ProtocolFixtures.Load("Response", name);
        var output = new ArrayBufferWriter<byte>();
        ResponseSummary summary = OpenAIToAnthropicResponse.Write(ProtocolFixtures.Bytes(fixture["openai"]!), (string)fixture["reported_model"]!, output, TestProviders.Generic);
        MessageResponse typed = AnthropicSchema.ParseResponse(output.WrittenSpan);
        Assert.Equal(typed.StopReason, summary.StopReason);

        JsonNode actual = ProtocolFixtures.Parse(output)!;
        // Generated ids differ per run: compare their shape, then the rest exactly.
        if ((bool?)fixture["generated_ids"] == true)
        {
            actual["id"] = "msg_generated";
            foreach (JsonNode? block in actual["content"]!.AsArray())
            {
                if ((string?)block!["type"] == "tool_use" && ((string)block["id"]!).StartsWith("toolu_", StringComparison.Ordinal))
                {
                    block["id"] = "toolu_generated";
                }
            }
        }

        ProtocolFixtures.AssertMatches("Response", name, fixture, "expected", actual);
    }

    [Theory]
    [InlineData("{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}", FailureKind.QuotaExceeded)]
    [InlineData("{\"error\":{\"code\":\"1113\",\"message\":\"余额不足或无可用资源包,请充值。\"}}", FailureKind.QuotaExceeded)]
    [InlineData("{\"id\":\"x\",\"choices\":[],\"base_resp\":{\"status_code\":1004,\"status_msg\":\"login fail\"}}", FailureKind.Auth)]
    [InlineData("not json at all", FailureKind.InvalidResponse)]
    [InlineData("{\"id\":\"x\",\"object\":\"chat.completion\"}", FailureKind.InvalidResponse)]
    [InlineData("[1,2]", FailureKind.InvalidResponse)]
    internal void ErrorOrGarbageInside200_ThrowsUpstreamProtocolException(string body, FailureKind kind)
    {
        var output = new ArrayBufferWriter<byte>();
        var e = Assert.Throws<UpstreamProtocolException>(() => OpenAIToAnthropicResponse.Write(System.Text.Encoding.UTF8.GetBytes(body), "p,m", output, TestProviders.Generic));
        Assert.Equal(kind, e.Failure.Kind);
        Assert.Equal(0, output.WrittenCount);
    }
}
