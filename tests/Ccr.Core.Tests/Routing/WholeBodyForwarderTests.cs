using System.Text;
using Ccr.Core.Buffers;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;

namespace Ccr.Core.Tests.Routing;

/// <summary>The whole-body handler tells an error inside a 200 from an answer, for translated and passed-through bodies.</summary>
public class WholeBodyForwarderTests
{
    private const string Completion = """{"id":"c1","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}""";

    private static readonly ProviderConfig s_codingPlan = new()
    {
        Name = "qwen",
        ApiBaseUrl = "https://coding-intl.dashscope.aliyuncs.com/v1",
        Endpoint = new Uri("https://coding-intl.dashscope.aliyuncs.com/v1/chat/completions"),
        ApiKey = "sk-sp-unit-key-000000000001",
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Prepare_ErrorObjectInsideA200_IsAFailureNamedAfterTheProvider(bool translate)
    {
        using var translated = new PooledBufferWriter(256);
        byte[] body = Encoding.UTF8.GetBytes("""{"error":{"code":"1308","message":"Usage limit reached"}}""");

        UpstreamFailure? failure = WholeBodyForwarder.Prepare(body, "qwen,m", s_codingPlan, translate, translated, out ReadOnlyMemory<byte> answer, out _);

        Assert.NotNull(failure);
        Assert.Equal(FailureKind.QuotaExceeded, failure.Kind);
        Assert.StartsWith("qwen (error inside a 200 answer, 1308)", failure.Error.Message, StringComparison.Ordinal);
        Assert.True(answer.IsEmpty);
    }

    [Fact]
    public void Prepare_KeyErrorFromACodingPlanProvider_CarriesItsHintAndScrubsItsKey()
    {
        using var translated = new PooledBufferWriter(256);
        byte[] body = Encoding.UTF8.GetBytes("""{"error":{"code":"InvalidApiKey","message":"Invalid API-key provided: sk-sp-unit-key-000000000001"}}""");

        UpstreamFailure? failure = WholeBodyForwarder.Prepare(body, "qwen,m", s_codingPlan, translate: true, translated, out _, out _);

        Assert.NotNull(failure);
        Assert.Equal(FailureKind.Auth, failure.Kind);
        Assert.Contains("provided: [redacted] Coding Plan keys start with sk-sp-", failure.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-sp-unit-key", failure.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prepare_Completion_IsTranslatedToAnAnthropicMessage()
    {
        using var translated = new PooledBufferWriter(256);

        UpstreamFailure? failure = WholeBodyForwarder.Prepare(Encoding.UTF8.GetBytes(Completion), "qwen,m", s_codingPlan, translate: true, translated, out ReadOnlyMemory<byte> answer, out ResponseSummary? summary);

        Assert.Null(failure);
        string text = Encoding.UTF8.GetString(answer.Span);
        Assert.Contains("\"type\":\"message\"", text, StringComparison.Ordinal);
        Assert.Contains("\"text\":\"Hello\"", text, StringComparison.Ordinal);
        Assert.Equal("end_turn", summary!.StopReason);
    }

    [Fact]
    public void Prepare_SameProtocolAnswer_GoesOnByteForByte()
    {
        using var translated = new PooledBufferWriter(16);
        byte[] body = Encoding.UTF8.GetBytes(Completion);

        UpstreamFailure? failure = WholeBodyForwarder.Prepare(body, "qwen,m", s_codingPlan, translate: false, translated, out ReadOnlyMemory<byte> answer, out ResponseSummary? summary);

        Assert.Null(failure);
        Assert.Equal(body, answer.ToArray());
        Assert.Null(summary);
    }
}
