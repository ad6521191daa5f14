using System.Buffers;
using System.Text.Json;
using Ccr.Core.Buffers;

namespace Ccr.Core.Protocol;

/// <summary>Maps OpenAI finish reasons to Anthropic stop reasons.</summary>
internal static class StopReasons
{
    public static string Map(string? finishReason, string? matchedStop, bool hasToolCalls) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",
        "stop" when !string.IsNullOrEmpty(matchedStop) => "stop_sequence",
        _ when hasToolCalls => "tool_use",
        _ => "end_turn",
    };
}
