using System.Buffers;
using System.Text.Json;
using Ccr.Core.Buffers;
using Ccr.Core.Config;

namespace Ccr.Core.Protocol;

/// <summary>Writes an Anthropic Messages response from a non-streamed OpenAI Chat Completions response.</summary>
internal static class OpenAIToAnthropicResponse
{
    /// <summary>The key a tool_use input carries when the model's argument JSON did not parse, so nothing is lost.</summary>
    public const string UnparsedArgumentsKey = "_ccr_unparsed_arguments";

    /// <summary>
    /// Translates <paramref name="openAiBody"/>; <paramref name="reportedModel"/> is what the client sees as <c>model</c>;
    /// <paramref name="provider"/> names the provider in an error found inside the body, adds its hints and scrubs its key.
    /// </summary>
    /// <exception cref="UpstreamProtocolException">The body is not a completion (an error object inside a 200, garbage).</exception>
    public static ResponseSummary Write(ReadOnlySpan<byte> openAiBody, string reportedModel, IBufferWriter<byte> output, ProviderConfig provider)
    {
        ArgumentNullException.ThrowIfNull(reportedModel);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(provider);

        // Translate into a scratch buffer first so a failure half way never leaves a partial body in output.
        using var scratch = new PooledBufferWriter(Math.Max(256, openAiBody.Length));
        ResponseSummary summary;
        try
        {
            summary = WriteCore(openAiBody, reportedModel, scratch, provider);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw UpstreamProtocolException.Invalid("The provider answered with a string that has an invalid \\u escape.", e);
        }

        output.Write(scratch.WrittenSpan);
        return summary;
    }

    private static ResponseSummary WriteCore(ReadOnlySpan<byte> openAiBody, string reportedModel, IBufferWriter<byte> output, ProviderConfig provider)
    {
        // JsonDocument.ParseValue would copy the body into a new array; a pooled copy parsed in place does not allocate it.
        using PooledCopy copy = PooledCopy.Of(openAiBody);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(copy.Memory);
        }
        catch (JsonException e)
        {
            throw UpstreamProtocolException.Invalid("The provider answered 200 with a body that is not JSON (" + e.Message + ").", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (UpstreamErrorMapper.TryDetectErrorInSuccess(root, openAiBody, provider, out UpstreamFailure failure))
            {
                throw new UpstreamProtocolException(failure);
            }

            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("choices", out JsonElement choices) ||
                choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0 || choices[0].ValueKind != JsonValueKind.Object)
            {
                throw UpstreamProtocolException.Invalid("The provider answered 200 without a completion (no choices).");
            }

            JsonElement choice = choices[0];
            JsonElement message = choice.TryGetProperty("message", out JsonElement m) && m.ValueKind == JsonValueKind.Object ? m : default;
            using var writer = new Utf8JsonWriter(output, JsonOutput.WriterOptions);
            writer.WriteStartObject();
            string? upstreamId = Text(root, "id");
            writer.WriteString("id"u8, upstreamId is { Length: > 0 } ? (upstreamId.StartsWith("msg_", StringComparison.Ordinal) ? upstreamId : "msg_" + upstreamId) : Ids.NewMessageId());
            writer.WriteString("type"u8, "message"u8);
            writer.WriteString("role"u8, "assistant"u8);
            writer.WriteString("model"u8, reportedModel);
            writer.WriteStartArray("content"u8);
            bool hasToolCalls = message.ValueKind == JsonValueKind.Object && WriteContent(message, writer);
            writer.WriteEndArray();

            string? finish = Text(choice, "finish_reason");
            string? matchedStop = Text(choice, "stop_reason") ?? Text(choice, "matched_stop");
            string stopReason = StopReasons.Map(finish, matchedStop, hasToolCalls);
            writer.WriteString("stop_reason"u8, stopReason);
            if (stopReason == "stop_sequence")
            {
                writer.WriteString("stop_sequence"u8, matchedStop);
            }
            else
            {
                writer.WriteNull("stop_sequence"u8);
            }

            Usage usage = Usage.Read(root);
            usage.Write(writer);
            writer.WriteEndObject();
            return new ResponseSummary(stopReason, usage.Input, usage.Output, usage.Cached);
        }
    }

    private static bool WriteContent(JsonElement message, Utf8JsonWriter writer)
    {
        string? reasoning = Text(message, "reasoning_content") ?? Text(message, "reasoning") ?? ReasoningDetails(message);
        string? text = Text(message, "content");
        if (reasoning is null && text is not null && text.StartsWith("<think>", StringComparison.Ordinal))
        {
            // MiniMax and some Qwen deployments inline reasoning in the content when reasoning_split is not honoured.
            int end = text.IndexOf("</think>", StringComparison.Ordinal);
            if (end > 0)
            {
                reasoning = text[7..end].Trim();
                text = text[(end + 8)..].TrimStart();
            }
        }

        if (!string.IsNullOrEmpty(reasoning))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "thinking"u8);
            writer.WriteString("thinking"u8, reasoning);
            writer.WriteString("signature"u8, ""u8);
            writer.WriteEndObject();
        }

        if (!string.IsNullOrEmpty(text))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "text"u8);
            writer.WriteString("text"u8, text);
            writer.WriteEndObject();
        }

        bool any = false;
        if (message.TryGetProperty("tool_calls", out JsonElement calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement call in calls.EnumerateArray())
            {
                if (call.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                JsonElement function = call.TryGetProperty("function", out JsonElement f) && f.ValueKind == JsonValueKind.Object ? f : default;
                string? id = Text(call, "id");
                writer.WriteStartObject();
                writer.WriteString("type"u8, "tool_use"u8);
                writer.WriteString("id"u8, string.IsNullOrEmpty(id) ? Ids.NewToolUseId() : id);
                writer.WriteString("name"u8, function.ValueKind == JsonValueKind.Object ? Text(function, "name") ?? "" : "");
                writer.WritePropertyName("input"u8);
                JsonElement arguments = function.ValueKind == JsonValueKind.Object && function.TryGetProperty("arguments", out JsonElement a) ? a : default;
                ToolArguments.WriteInput(arguments, writer);
                writer.WriteEndObject();
                any = true;
            }
        }

        // Old-style single function_call.
        if (!any && message.TryGetProperty("function_call", out JsonElement functionCall) && functionCall.ValueKind == JsonValueKind.Object)
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "tool_use"u8);
            writer.WriteString("id"u8, Ids.NewToolUseId());
            writer.WriteString("name"u8, Text(functionCall, "name") ?? "");
            writer.WritePropertyName("input"u8);
            ToolArguments.WriteInput(functionCall.TryGetProperty("arguments", out JsonElement fa) ? fa : default, writer);
            writer.WriteEndObject();
            any = true;
        }

        return any;
    }

    private static string? ReasoningDetails(JsonElement message)
    {
        if (!message.TryGetProperty("reasoning_details", out JsonElement details) || details.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        string? result = null;
        foreach (JsonElement detail in details.EnumerateArray())
        {
            if (detail.ValueKind == JsonValueKind.Object && Text(detail, "text") is string t)
            {
                result = result is null ? t : result + t;
            }
        }

        return result;
    }

    internal static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
