using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>Translates the router's whole Anthropic message into an OpenAI chat.completion object.</summary>
/// <remarks>
/// Text blocks are concatenated without a separator, as the streamed deltas would be, so a client sees
/// the same text either way. Thinking blocks become reasoning_content (DeepSeek's field, which OpenAI
/// clients that show reasoning read).
/// </remarks>
internal static class AnthropicToChatCompletion
{
    /// <exception cref="JsonException">The body is not an Anthropic message.</exception>
    public static void Write(ReadOnlySpan<byte> anthropicMessage, IBufferWriter<byte> output, TimeProvider? time = null)
    {
        using JsonDocument document = ParseMessage(anthropicMessage, out JsonElement content);
        JsonElement root = document.RootElement;

        StringBuilder? text = null;
        StringBuilder? reasoning = null;
        bool hasTools = false;
        foreach (JsonElement block in content.EnumerateArray())
        {
            switch (TypeOf(block))
            {
                case "text":
                    (text ??= new StringBuilder()).Append(StringOf(block, "text"u8));
                    break;
                case "thinking":
                    (reasoning ??= new StringBuilder()).Append(StringOf(block, "thinking"u8));
                    break;
                case "tool_use":
                    hasTools = true;
                    break;
            }
        }

        using var writer = new Utf8JsonWriter(output, JsonOutput.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("id"u8, "chatcmpl-" + OpenAINames.BaseId(StringOf(root, "id"u8)));
        writer.WriteString("object"u8, "chat.completion");
        writer.WriteNumber("created"u8, Json.UnixSeconds(time ?? TimeProvider.System));
        writer.WriteString("model"u8, StringOf(root, "model"u8) ?? string.Empty);
        writer.WriteStartArray("choices"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, 0);
        writer.WriteStartObject("message"u8);
        writer.WriteString("role"u8, "assistant");
        writer.WriteString("content"u8, text?.ToString());
        if (reasoning is not null)
        {
            writer.WriteString("reasoning_content"u8, reasoning.ToString());
        }

        if (hasTools)
        {
            WriteToolCalls(writer, content);
        }

        writer.WriteNull("refusal"u8);
        writer.WriteEndObject();
        writer.WriteNull("logprobs"u8);
        string? stopReason = StringOf(root, "stop_reason"u8);
        writer.WriteString("finish_reason"u8, OpenAINames.FinishReason(stopReason is null ? default : Encoding.UTF8.GetBytes(stopReason)));
        writer.WriteEndObject();
        writer.WriteEndArray();
        WriteUsage(writer, AnthropicUsage.From(root));
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>Parses the router's whole answer; the caller disposes the document.</summary>
    /// <exception cref="JsonException">The body is not an Anthropic message (no content array).</exception>
    internal static JsonDocument ParseMessage(ReadOnlySpan<byte> anthropicMessage, out JsonElement content)
    {
        JsonDocument document = JsonDocument.Parse(anthropicMessage.ToArray());
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("content"u8, out content) || content.ValueKind != JsonValueKind.Array)
        {
            document.Dispose();
            throw new JsonException("The router's answer is not an Anthropic message (no content array).");
        }

        return document;
    }

    /// <summary>Writes the usage object of a chat.completion or of the last chunk of a stream.</summary>
    internal static void WriteUsage(Utf8JsonWriter writer, in AnthropicUsage usage)
    {
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("prompt_tokens"u8, usage.PromptTokens);
        writer.WriteNumber("completion_tokens"u8, usage.CompletionTokens);
        writer.WriteNumber("total_tokens"u8, usage.PromptTokens + usage.CompletionTokens);
        writer.WriteStartObject("prompt_tokens_details"u8);
        writer.WriteNumber("cached_tokens"u8, usage.CachedTokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteToolCalls(Utf8JsonWriter writer, JsonElement content)
    {
        writer.WriteStartArray("tool_calls"u8);
        foreach (JsonElement block in content.EnumerateArray())
        {
            if (TypeOf(block) != "tool_use")
            {
                continue;
            }

            writer.WriteStartObject();
            writer.WriteString("id"u8, StringOf(block, "id"u8) ?? string.Empty);
            writer.WriteString("type"u8, "function");
            writer.WriteStartObject("function"u8);
            writer.WriteString("name"u8, StringOf(block, "name"u8) ?? string.Empty);
            writer.WriteString("arguments"u8, CompactArguments(block));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>The tool input as the compact JSON string OpenAI's arguments field holds.</summary>
    internal static string CompactArguments(JsonElement block)
    {
        if (!block.TryGetProperty("input"u8, out JsonElement input) || input.ValueKind == JsonValueKind.Null)
        {
            return "{}";
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, JsonOutput.WriterOptions))
        {
            input.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    internal static string? TypeOf(JsonElement block) =>
        block.ValueKind == JsonValueKind.Object ? StringOf(block, "type"u8) : null;

    internal static string? StringOf(JsonElement element, ReadOnlySpan<byte> name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
