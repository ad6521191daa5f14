using System.Text.Json;

namespace FakeUpstream;

/// <summary>
/// Renders answers as the Anthropic Messages API: a <c>message</c> object, or the event sequence
/// message_start, content_block_start, ping, content_block_delta..., content_block_stop, message_delta, message_stop.
/// </summary>
internal static class AnthropicWire
{
    /// <summary>Thinking blocks carry a signature that clients must send back; any opaque string will do here.</summary>
    private const string Signature = "ZmFrZS11cHN0cmVhbS1zaWduYXR1cmU=";

    public static byte[] Message(CompletionSpec spec, string model, string id)
    {
        return SseBuffer.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", model);
            w.WriteStartArray("content");
            if (spec.HasReasoning)
            {
                w.WriteStartObject();
                w.WriteString("type", "thinking");
                w.WriteString("thinking", spec.Reasoning);
                w.WriteString("signature", Signature);
                w.WriteEndObject();
            }

            if (spec.HasText)
            {
                w.WriteStartObject();
                w.WriteString("type", "text");
                w.WriteString("text", spec.Text);
                w.WriteEndObject();
            }

            foreach (ToolCallSpec call in spec.ToolCalls)
            {
                w.WriteStartObject();
                w.WriteString("type", "tool_use");
                w.WriteString("id", call.AnthropicId);
                w.WriteString("name", call.Name);
                w.WritePropertyName("input");
                w.WriteRawValue(call.ArgumentsJson.Length == 0 ? "{}" : call.ArgumentsJson);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("stop_reason", StopReason(spec));
            w.WriteNull("stop_sequence");
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", spec.InputTokens);
            w.WriteNumber("cache_creation_input_tokens", 0);
            w.WriteNumber("cache_read_input_tokens", 0);
            w.WriteNumber("output_tokens", spec.OutputTokens);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// Segment 0 is message_start, the first content_block_start and ping; then one segment per
    /// event; the tail segment holds message_delta and message_stop.
    /// </summary>
    public static IReadOnlyList<byte[]> Events(CompletionSpec spec, string model, string id)
    {
        var sse = new SseBuffer();
        sse.Event("message_start", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_start");
            w.WriteStartObject("message");
            w.WriteString("id", id);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", model);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteNull("stop_reason");
            w.WriteNull("stop_sequence");
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", spec.InputTokens);
            w.WriteNumber("cache_creation_input_tokens", 0);
            w.WriteNumber("cache_read_input_tokens", 0);
            w.WriteNumber("output_tokens", 1);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        });

        int index = 0;
        if (spec.HasReasoning)
        {
            Block(sse, index++, w =>
            {
                w.WriteString("type", "thinking");
                w.WriteString("thinking", string.Empty);
            }, spec.ReasoningPieces, "thinking_delta", "thinking");
            Delta(sse, index - 1, w =>
            {
                w.WriteString("type", "signature_delta");
                w.WriteString("signature", Signature);
            });
            StopBlock(sse, index - 1);
        }

        if (spec.HasText)
        {
            Block(sse, index++, w =>
            {
                w.WriteString("type", "text");
                w.WriteString("text", string.Empty);
            }, spec.TextPieces, "text_delta", "text");
            StopBlock(sse, index - 1);
        }

        foreach (ToolCallSpec call in spec.ToolCalls)
        {
            Block(sse, index++, w =>
            {
                w.WriteString("type", "tool_use");
                w.WriteString("id", call.AnthropicId);
                w.WriteString("name", call.Name);
                w.WriteStartObject("input");
                w.WriteEndObject();
            }, call.ArgumentPieces, "input_json_delta", "partial_json");
            StopBlock(sse, index - 1);
        }

        if (index == 0)
        {
            Ping(sse);
        }

        sse.Event("message_delta", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_delta");
            w.WriteStartObject("delta");
            w.WriteString("stop_reason", StopReason(spec));
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            w.WriteStartObject("usage");
            w.WriteNumber("output_tokens", spec.OutputTokens);
            w.WriteEndObject();
            w.WriteEndObject();
        });
        sse.Event("message_stop", static w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "message_stop");
            w.WriteEndObject();
        });
        sse.Cut();
        return sse.Segments;
    }

    private static void Block(SseBuffer sse, int index, Action<Utf8JsonWriter> writeBlock, IReadOnlyList<string> pieces, string deltaType, string deltaField)
    {
        sse.Event("content_block_start", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_start");
            w.WriteNumber("index", index);
            w.WriteStartObject("content_block");
            writeBlock(w);
            w.WriteEndObject();
            w.WriteEndObject();
        });
        if (index == 0)
        {
            // Anthropic sends a ping right after the first block opens.
            Ping(sse);
        }

        sse.Cut();
        foreach (string piece in pieces)
        {
            Delta(sse, index, w =>
            {
                w.WriteString("type", deltaType);
                w.WriteString(deltaField, piece);
            });
        }
    }

    private static void Delta(SseBuffer sse, int index, Action<Utf8JsonWriter> writeDelta)
    {
        sse.Event("content_block_delta", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_delta");
            w.WriteNumber("index", index);
            w.WriteStartObject("delta");
            writeDelta(w);
            w.WriteEndObject();
            w.WriteEndObject();
        });
        sse.Cut();
    }

    private static void StopBlock(SseBuffer sse, int index)
    {
        sse.Event("content_block_stop", w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "content_block_stop");
            w.WriteNumber("index", index);
            w.WriteEndObject();
        });
        sse.Cut();
    }

    private static void Ping(SseBuffer sse)
    {
        sse.Event("ping", static w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "ping");
            w.WriteEndObject();
        });
    }

    private static string StopReason(CompletionSpec spec) => spec.ToolCalls.Count > 0 ? "tool_use" : "end_turn";
}
