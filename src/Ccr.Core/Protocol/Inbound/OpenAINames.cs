namespace Ccr.Core.Protocol.Inbound;

/// <summary>Ids and reason names shared by the streaming and whole-body translations, so both agree.</summary>
internal static class OpenAINames
{
    /// <summary>The Anthropic message id without its msg_ prefix; a fresh id when the upstream sent none.</summary>
    public static string BaseId(string? messageId)
    {
        if (string.IsNullOrEmpty(messageId))
        {
            return Guid.NewGuid().ToString("N");
        }

        return messageId.StartsWith("msg_", StringComparison.Ordinal) ? messageId[4..] : messageId;
    }

    /// <summary>Chat Completions finish_reason for an Anthropic stop_reason.</summary>
    public static string FinishReason(ReadOnlySpan<byte> stopReason)
    {
        if (stopReason.SequenceEqual("max_tokens"u8) || stopReason.SequenceEqual("model_context_window_exceeded"u8))
        {
            return "length";
        }

        if (stopReason.SequenceEqual("tool_use"u8))
        {
            return "tool_calls";
        }

        return stopReason.SequenceEqual("refusal"u8) ? "content_filter" : "stop";
    }

    /// <summary>The Responses incomplete_details.reason for an Anthropic stop_reason, or null when the answer is complete.</summary>
    public static string? IncompleteReason(ReadOnlySpan<byte> stopReason)
    {
        if (stopReason.SequenceEqual("max_tokens"u8) || stopReason.SequenceEqual("model_context_window_exceeded"u8))
        {
            return "max_output_tokens";
        }

        return stopReason.SequenceEqual("refusal"u8) ? "content_filter" : null;
    }
}
