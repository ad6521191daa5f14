using System.Text;
using Ccr.Core.Protocol;

namespace Ccr.Core.Tests.Usage;

/// <summary>Usage read from answers that pass through untouched, however the stream is cut into reads.</summary>
public sealed class UpstreamUsageScannerTests
{
    private const string AnthropicStream =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":21,\"cache_creation_input_tokens\":5,\"cache_read_input_tokens\":100,\"output_tokens\":1}}}\n\n"
        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"\\\"usage\\\":{\\\"output_tokens\\\":999}\"}}\n\n"
        + "event: message_delta\r\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":33}}\r\n\r\n";

    private const string OpenAIStream =
        "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}],\"usage\":null}\n\n"
        + "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":8,\"prompt_tokens_details\":{\"cached_tokens\":20}}}\n\n"
        + "data: [DONE]\n\n";

    [Fact]
    public void AnthropicStream_CutAtEveryByte_GivesTheSameUsage()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(AnthropicStream);
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            using var scanner = new UpstreamUsageScanner();
            scanner.ScanStream(bytes.AsSpan(0, cut));
            scanner.ScanStream(bytes.AsSpan(cut));

            ResponseSummary summary = scanner.Summary!;
            Assert.Equal(21 + 5 + 100, summary.InputTokens);
            Assert.Equal(100, summary.CachedInputTokens);
            Assert.Equal(5, summary.CacheWriteTokens);
            Assert.Equal(33, summary.OutputTokens);
        }
    }

    [Fact]
    public void OpenAIStream_ReadsTheFinalUsageChunk_InOneByteReads()
    {
        using var scanner = new UpstreamUsageScanner();
        foreach (byte b in Encoding.UTF8.GetBytes(OpenAIStream))
        {
            scanner.ScanStream([b]);
        }

        ResponseSummary summary = scanner.Summary!;
        Assert.Equal(50, summary.InputTokens);
        Assert.Equal(20, summary.CachedInputTokens);
        Assert.Equal(8, summary.OutputTokens);
    }

    [Fact]
    public void BodyWithoutUsage_GivesNoSummary()
    {
        Assert.Null(UpstreamUsageScanner.ReadBody("{\"id\":\"x\",\"content\":[]}"u8));
        Assert.Equal(12, UpstreamUsageScanner.ReadBody("{\"usage\":{\"input_tokens\":12,\"output_tokens\":3}}"u8)!.InputTokens);
    }
}
