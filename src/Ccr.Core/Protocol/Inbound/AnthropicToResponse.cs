using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// Translates the router's whole Anthropic message into an OpenAI Responses object: each thinking block
/// a reasoning item, each text block a message item, each tool_use a function_call item, in order.
/// </summary>
internal static class AnthropicToResponse
{
    /// <exception cref="JsonException">The body is not an Anthropic message.</exception>
    public static void Write(ReadOnlySpan<byte> anthropicMessage, IBufferWriter<byte> output, TimeProvider? time = null)
    {
        using JsonDocument document = AnthropicToChatCompletion.ParseMessage(anthropicMessage, out JsonElement content);
        JsonElement root = document.RootElement;

        var state = new ResponseState(
            AnthropicToChatCompletion.StringOf(root, "id"u8),
            AnthropicToChatCompletion.StringOf(root, "model"u8) ?? string.Empty,
            Json.UnixSeconds(time ?? TimeProvider.System))
        {
            Usage = AnthropicUsage.From(root),
        };
        string? stopReason = AnthropicToChatCompletion.StringOf(root, "stop_reason"u8);
        state.IncompleteReason = stopReason is null ? null : OpenAINames.IncompleteReason(Encoding.UTF8.GetBytes(stopReason));
        foreach (JsonElement block in content.EnumerateArray())
        {
            ResponseOutputItem item;
            string text;
            switch (AnthropicToChatCompletion.TypeOf(block))
            {
                case "text":
                    item = state.Open(ResponseItemKind.Message, null, null);
                    text = AnthropicToChatCompletion.StringOf(block, "text"u8) ?? string.Empty;
                    break;
                case "thinking":
                    item = state.Open(ResponseItemKind.Reasoning, null, null);
                    text = AnthropicToChatCompletion.StringOf(block, "thinking"u8) ?? string.Empty;
                    break;
                case "tool_use":
                    item = state.Open(ResponseItemKind.FunctionCall, AnthropicToChatCompletion.StringOf(block, "id"u8), AnthropicToChatCompletion.StringOf(block, "name"u8));
                    text = AnthropicToChatCompletion.CompactArguments(block);
                    break;
                default:
                    continue;
            }

            state.AppendEscaped(item, JsonEncodedText.Encode(text, JsonOutput.WriterOptions.Encoder).EncodedUtf8Bytes);
            state.Close(item);
        }

        using var writer = new Utf8JsonWriter(output, JsonOutput.WriterOptions);
        state.WriteResponse(writer, state.FinalStatus);
        writer.Flush();
    }
}
