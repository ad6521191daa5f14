using System.Text.Json;

namespace FakeUpstream;

/// <summary>
/// Renders answers as OpenAI Chat Completions (as DashScope, DeepSeek and GLM also send them):
/// a <c>chat.completion</c> object, or <c>chat.completion.chunk</c> events ending in <c>data: [DONE]</c>.
/// </summary>
internal static class OpenAIWire
{
    public static byte[] Completion(CompletionSpec spec, string model, string id, long created)
    {
        return SseBuffer.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "chat.completion");
            w.WriteNumber("created", created);
            w.WriteString("model", model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            if (spec.HasText)
            {
                w.WriteString("content", spec.Text);
            }
            else
            {
                w.WriteNull("content");
            }

            if (spec.HasReasoning)
            {
                w.WriteString("reasoning_content", spec.Reasoning);
            }

            if (spec.ToolCalls.Count > 0)
            {
                w.WriteStartArray("tool_calls");
                foreach (ToolCallSpec call in spec.ToolCalls)
                {
                    w.WriteStartObject();
                    w.WriteString("id", call.Id);
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", call.Name);
                    w.WriteString("arguments", call.ArgumentsJson);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteNull("logprobs");
            w.WriteString("finish_reason", FinishReason(spec));
            w.WriteEndObject();
            w.WriteEndArray();
            WriteUsage(w, spec);
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// Segment 0 is the role chunk, then one segment per content delta, then one tail segment
    /// (finish chunk, usage chunk when asked, <c>[DONE]</c>).
    /// </summary>
    public static IReadOnlyList<byte[]> Chunks(CompletionSpec spec, string model, bool includeUsage, string id, long created)
    {
        var sse = new SseBuffer();
        Chunk(sse, id, created, model, includeUsage, w =>
        {
            w.WriteString("role", "assistant");
            w.WriteString("content", string.Empty);
        });
        sse.Cut();

        foreach (string piece in spec.ReasoningPieces)
        {
            Chunk(sse, id, created, model, includeUsage, w => w.WriteString("reasoning_content", piece));
            sse.Cut();
        }

        foreach (string piece in spec.TextPieces)
        {
            Chunk(sse, id, created, model, includeUsage, w => w.WriteString("content", piece));
            sse.Cut();
        }

        WriteToolCallChunks(sse, spec, model, includeUsage, id, created);

        Chunk(sse, id, created, model, includeUsage, static _ => { }, FinishReason(spec));
        if (includeUsage)
        {
            sse.Event(null, w =>
            {
                WriteChunkHeader(w, id, created, model);
                w.WriteStartArray("choices");
                w.WriteEndArray();
                WriteUsage(w, spec);
                w.WriteEndObject();
            });
        }

        sse.Raw("data: [DONE]\n\n"u8);
        sse.Cut();
        return sse.Segments;
    }

    private static void WriteToolCallChunks(SseBuffer sse, CompletionSpec spec, string model, bool includeUsage, string id, long created)
    {
        // Each call opens with its id and name, then the argument pieces of all calls interleave by index.
        for (int i = 0; i < spec.ToolCalls.Count; i++)
        {
            ToolCallSpec call = spec.ToolCalls[i];
            int index = i;
            Chunk(sse, id, created, model, includeUsage, w => ToolCallDelta(w, index, call, string.Empty, withHead: true));
            sse.Cut();
        }

        int longest = 0;
        foreach (ToolCallSpec call in spec.ToolCalls)
        {
            longest = Math.Max(longest, call.ArgumentPieces.Count);
        }

        for (int piece = 0; piece < longest; piece++)
        {
            for (int i = 0; i < spec.ToolCalls.Count; i++)
            {
                ToolCallSpec call = spec.ToolCalls[i];
                if (piece >= call.ArgumentPieces.Count)
                {
                    continue;
                }

                int index = i;
                string arguments = call.ArgumentPieces[piece];
                Chunk(sse, id, created, model, includeUsage, w => ToolCallDelta(w, index, call, arguments, withHead: false));
                sse.Cut();
            }
        }
    }

    private static void ToolCallDelta(Utf8JsonWriter w, int index, ToolCallSpec call, string arguments, bool withHead)
    {
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        if (withHead)
        {
            w.WriteString("id", call.Id);
            w.WriteString("type", "function");
        }

        w.WriteStartObject("function");
        if (withHead)
        {
            w.WriteString("name", call.Name);
        }

        w.WriteString("arguments", arguments);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static void Chunk(SseBuffer sse, string id, long created, string model, bool includeUsage, Action<Utf8JsonWriter> writeDelta, string? finishReason = null)
    {
        sse.Event(null, w =>
        {
            WriteChunkHeader(w, id, created, model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("delta");
            writeDelta(w);
            w.WriteEndObject();
            w.WriteNull("logprobs");
            if (finishReason is null)
            {
                w.WriteNull("finish_reason");
            }
            else
            {
                w.WriteString("finish_reason", finishReason);
            }

            w.WriteEndObject();
            w.WriteEndArray();
            if (includeUsage)
            {
                // With include_usage every chunk but the last carries "usage": null.
                w.WriteNull("usage");
            }

            w.WriteEndObject();
        });
    }

    private static void WriteChunkHeader(Utf8JsonWriter w, string id, long created, string model)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
    }

    private static void WriteUsage(Utf8JsonWriter w, CompletionSpec spec)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", spec.InputTokens);
        w.WriteNumber("completion_tokens", spec.OutputTokens);
        w.WriteNumber("total_tokens", spec.InputTokens + spec.OutputTokens);
        w.WriteEndObject();
    }

    private static string FinishReason(CompletionSpec spec) => spec.ToolCalls.Count > 0 ? "tool_calls" : "stop";
}
