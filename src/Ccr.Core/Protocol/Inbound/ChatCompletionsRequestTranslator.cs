using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// Translates an OpenAI Chat Completions request into an Anthropic Messages request for the router.
/// </summary>
/// <remarks>
/// system and developer messages, wherever they appear, join the Anthropic system prompt (blank line
/// between). Consecutive turns of the same Anthropic role merge (tool results become user turns, so a
/// run of tool messages becomes one user turn of tool_result blocks). Temperature is passed unchanged:
/// OpenAI allows up to 2, and the providers behind the router are mostly OpenAI-compatible.
/// An assistant's reasoning_content (DeepSeek style) becomes a thinking block, so reasoning sent back
/// reaches providers that require it.
/// </remarks>
internal static class ChatCompletionsRequestTranslator
{
    /// <summary>Translates <paramref name="chatBody"/>; on an exception, whatever reached <paramref name="anthropicOut"/> must be discarded.</summary>
    /// <exception cref="InboundRequestException">The request is invalid or asks for something Anthropic cannot do.</exception>
    public static ChatRequestInfo ToAnthropic(ReadOnlySpan<byte> chatBody, IBufferWriter<byte> anthropicOut)
    {
        try
        {
            return ToAnthropicCore(chatBody, anthropicOut);
        }
        catch (InvalidOperationException e)
        {
            // Reading a string with a lone surrogate escape (\ud800 alone) throws deep inside the JSON reader.
            throw InboundRequestException.InvalidText(e);
        }
    }

    private static ChatRequestInfo ToAnthropicCore(ReadOnlySpan<byte> chatBody, IBufferWriter<byte> anthropicOut)
    {
        using JsonDocument document = InboundRequestReader.Parse(chatBody);
        JsonElement root = document.RootElement;
        string model = InboundRequestReader.RequiredModel(root);
        if (!root.TryGetProperty("messages"u8, out JsonElement messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            throw new InboundRequestException("'messages' is required and must be a non-empty array of chat messages.", "messages");
        }

        if (root.TryGetProperty("n"u8, out JsonElement n) && n.ValueKind != JsonValueKind.Null && !(n.ValueKind == JsonValueKind.Number && n.TryGetInt32(out int count) && count == 1))
        {
            throw new InboundRequestException("'n' must be 1: the router returns one choice per request. Send several requests for several choices.", "n");
        }

        bool stream = InboundRequestReader.Bool(root, "stream");
        bool includeUsage = root.TryGetProperty("stream_options"u8, out JsonElement options) && options.ValueKind == JsonValueKind.Object
            && InboundRequestReader.Bool(options, "include_usage");

        using var writer = new Utf8JsonWriter(anthropicOut, JsonOutput.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("model"u8, model);
        InboundRequestReader.WriteMaxTokensAndThinking(
            writer,
            InboundRequestReader.PositiveInt(root, "max_completion_tokens", "max_tokens"),
            InboundRequestReader.ThinkingBudget(InboundRequestReader.OptionalString(root, "reasoning_effort", "reasoning_effort"), "reasoning_effort"));
        WriteSystem(writer, messages);
        WriteMessages(writer, messages);
        WriteTools(writer, root);
        InboundRequestReader.CopyNumber(root, "temperature", "temperature", writer);
        InboundRequestReader.CopyNumber(root, "top_p", "top_p", writer);
        WriteStop(writer, root);
        if (stream)
        {
            writer.WriteBoolean("stream"u8, true);
        }

        InboundRequestReader.WriteMetadataUser(writer, InboundRequestReader.OptionalString(root, "user", "user"));

        writer.WriteEndObject();
        writer.Flush();
        return new ChatRequestInfo(model, stream, includeUsage);
    }

    private static void WriteSystem(Utf8JsonWriter writer, JsonElement messages)
    {
        StringBuilder? system = null;
        int i = 0;
        foreach (JsonElement message in messages.EnumerateArray())
        {
            string path = InboundRequestReader.Index("messages", i++);
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw new InboundRequestException("'" + path + "' must be a message object with a role.", path);
            }

            string role = InboundRequestReader.RequiredString(message, "role", path + ".role");
            if (role is not ("system" or "developer"))
            {
                continue;
            }

            string text = TextOnly(message, path + ".content");
            if (text.Length == 0)
            {
                continue;
            }

            system = system is null ? new StringBuilder(text) : system.Append("\n\n").Append(text);
        }

        if (system is not null)
        {
            writer.WriteString("system"u8, system.ToString());
        }
    }

    /// <summary>The text of a content that may only hold text: a string or an array of text parts.</summary>
    private static string TextOnly(JsonElement message, string path)
    {
        if (!message.TryGetProperty("content"u8, out JsonElement content) || content.ValueKind == JsonValueKind.Null)
        {
            return string.Empty;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw new InboundRequestException("'" + path + "' must be a string or an array of text parts.", path);
        }

        return InboundRequestReader.JoinTextParts(content, path, "text", "must be a text part {\"type\":\"text\",\"text\":...}.");
    }

    private static void WriteMessages(Utf8JsonWriter writer, JsonElement messages)
    {
        writer.WriteStartArray("messages"u8);
        var turns = new AnthropicTurnWriter(writer);
        int i = 0;
        foreach (JsonElement message in messages.EnumerateArray())
        {
            string path = InboundRequestReader.Index("messages", i++);
            string role = message.GetProperty("role"u8).GetString()!;
            string anthropicRole = role switch
            {
                "system" or "developer" => string.Empty,
                "user" or "tool" => "user",
                "assistant" => "assistant",
                "function" => throw new InboundRequestException("'" + path + ".role' 'function' is the retired form of tool results; send role 'tool' with tool_call_id.", path + ".role"),
                _ => throw new InboundRequestException("'" + path + ".role' must be system, developer, user, assistant or tool; got '" + role + "'.", path + ".role"),
            };
            if (anthropicRole.Length == 0 || !HasBlocks(message, role))
            {
                continue;
            }

            turns.Turn(anthropicRole);
            switch (role)
            {
                case "user":
                    WriteUserBlocks(writer, message, path);
                    break;
                case "assistant":
                    WriteAssistantBlocks(writer, message, path);
                    break;
                default:
                    WriteToolResult(writer, message, path);
                    break;
            }
        }

        if (!turns.AnyTurn)
        {
            throw new InboundRequestException("'messages' holds no user, assistant or tool content; send at least one user message.", "messages");
        }

        turns.End();
        writer.WriteEndArray();
    }

    /// <summary>Anthropic rejects empty turns and empty text blocks, so messages that would give none are left out.</summary>
    private static bool HasBlocks(JsonElement message, string role)
    {
        if (role == "tool")
        {
            return true;
        }

        if (role == "assistant")
        {
            if (message.TryGetProperty("tool_calls"u8, out JsonElement calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0)
            {
                return true;
            }

            if (message.TryGetProperty("reasoning_content"u8, out JsonElement reasoning) && reasoning.ValueKind == JsonValueKind.String && reasoning.GetString()!.Length > 0)
            {
                return true;
            }
        }

        if (!message.TryGetProperty("content"u8, out JsonElement content))
        {
            return false;
        }

        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString()!.Length > 0,
            JsonValueKind.Array => content.GetArrayLength() > 0,
            _ => false,
        };
    }

    private static void WriteUserBlocks(Utf8JsonWriter writer, JsonElement message, string path)
    {
        JsonElement content = message.GetProperty("content"u8);
        if (content.ValueKind == JsonValueKind.String)
        {
            InboundRequestReader.WriteTextBlock(writer, content.GetString());
            return;
        }

        int i = 0;
        foreach (JsonElement part in content.EnumerateArray())
        {
            string partPath = InboundRequestReader.Index(path + ".content", i++);
            if (part.ValueKind != JsonValueKind.Object)
            {
                throw new InboundRequestException("'" + partPath + "' must be a content part object.", partPath);
            }

            string type = InboundRequestReader.RequiredString(part, "type", partPath + ".type");
            switch (type)
            {
                case "text":
                    InboundRequestReader.WriteTextBlock(writer, InboundRequestReader.OptionalString(part, "text", partPath + ".text"));
                    break;
                case "image_url":
                    WriteImagePart(writer, part, partPath);
                    break;
                default:
                    throw new InboundRequestException("'" + partPath + ".type' '" + type + "' is not supported; send text or image_url parts.", partPath + ".type");
            }
        }
    }

    private static void WriteImagePart(Utf8JsonWriter writer, JsonElement part, string path)
    {
        string? url = null;
        if (part.TryGetProperty("image_url"u8, out JsonElement image))
        {
            url = image.ValueKind switch
            {
                JsonValueKind.String => image.GetString(),
                JsonValueKind.Object => InboundRequestReader.OptionalString(image, "url", path + ".image_url.url"),
                _ => null,
            };
        }

        if (string.IsNullOrEmpty(url))
        {
            throw new InboundRequestException("'" + path + ".image_url.url' is required: a data: URL or an http(s) URL.", path + ".image_url.url");
        }

        InboundRequestReader.WriteImage(writer, url, path + ".image_url.url");
    }

    private static void WriteAssistantBlocks(Utf8JsonWriter writer, JsonElement message, string path)
    {
        string? reasoning = InboundRequestReader.OptionalString(message, "reasoning_content", path + ".reasoning_content");
        if (!string.IsNullOrEmpty(reasoning))
        {
            InboundRequestReader.WriteThinkingBlock(writer, reasoning);
        }

        if (message.TryGetProperty("content"u8, out JsonElement content))
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                InboundRequestReader.WriteTextBlock(writer, content.GetString());
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                int i = 0;
                foreach (JsonElement part in content.EnumerateArray())
                {
                    string partPath = InboundRequestReader.Index(path + ".content", i++);
                    string? type = part.ValueKind == JsonValueKind.Object ? InboundRequestReader.OptionalString(part, "type", partPath + ".type") : null;
                    string? text = type switch
                    {
                        "text" => InboundRequestReader.OptionalString(part, "text", partPath + ".text"),
                        "refusal" => InboundRequestReader.OptionalString(part, "refusal", partPath + ".refusal"),
                        _ => throw new InboundRequestException("'" + partPath + "' must be a text or refusal part.", partPath),
                    };
                    InboundRequestReader.WriteTextBlock(writer, text);
                }
            }
        }

        if (!message.TryGetProperty("tool_calls"u8, out JsonElement calls) || calls.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        int c = 0;
        foreach (JsonElement call in calls.EnumerateArray())
        {
            string callPath = InboundRequestReader.Index(path + ".tool_calls", c++);
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function"u8, out JsonElement function) || function.ValueKind != JsonValueKind.Object)
            {
                throw new InboundRequestException("'" + callPath + "' must be {\"id\",\"type\":\"function\",\"function\":{\"name\",\"arguments\"}}.", callPath);
            }

            string? type = InboundRequestReader.OptionalString(call, "type", callPath + ".type");
            if (type is not (null or "function"))
            {
                throw new InboundRequestException("'" + callPath + ".type' '" + type + "' is not supported; only function tool calls are.", callPath + ".type");
            }

            InboundRequestReader.WriteToolUse(
                writer,
                InboundRequestReader.RequiredString(call, "id", callPath + ".id"),
                InboundRequestReader.RequiredString(function, "name", callPath + ".function.name"),
                InboundRequestReader.OptionalString(function, "arguments", callPath + ".function.arguments"));
        }
    }

    private static void WriteToolResult(Utf8JsonWriter writer, JsonElement message, string path)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "tool_result");
        writer.WriteString("tool_use_id"u8, InboundRequestReader.RequiredString(message, "tool_call_id", path + ".tool_call_id"));
        string text = TextOnly(message, path + ".content");
        if (text.Length > 0)
        {
            writer.WriteString("content"u8, text);
        }

        writer.WriteEndObject();
    }

    private static void WriteTools(Utf8JsonWriter writer, JsonElement root)
    {
        if (!root.TryGetProperty("tools"u8, out JsonElement tools) || tools.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            throw new InboundRequestException("'tools' must be an array of function tools.", "tools");
        }

        if (tools.GetArrayLength() == 0)
        {
            return;
        }

        writer.WriteStartArray("tools"u8);
        int i = 0;
        foreach (JsonElement tool in tools.EnumerateArray())
        {
            string path = InboundRequestReader.Index("tools", i++);
            if (tool.ValueKind != JsonValueKind.Object)
            {
                throw new InboundRequestException("'" + path + "' must be a tool object.", path);
            }

            string? type = InboundRequestReader.OptionalString(tool, "type", path + ".type");
            if (type is not (null or "function"))
            {
                throw new InboundRequestException("'" + path + ".type' '" + type + "' is not supported; only function tools are.", path + ".type");
            }

            if (!tool.TryGetProperty("function"u8, out JsonElement function) || function.ValueKind != JsonValueKind.Object)
            {
                throw new InboundRequestException("'" + path + ".function' is required: {\"name\",\"description\",\"parameters\"}.", path + ".function");
            }

            function.TryGetProperty("parameters"u8, out JsonElement parameters);
            InboundRequestReader.WriteTool(
                writer,
                InboundRequestReader.RequiredString(function, "name", path + ".function.name"),
                InboundRequestReader.OptionalString(function, "description", path + ".function.description"),
                parameters,
                path + ".function.parameters");
        }

        writer.WriteEndArray();
        WriteToolChoice(writer, root);
    }

    private static void WriteToolChoice(Utf8JsonWriter writer, JsonElement root)
    {
        bool disableParallel = InboundRequestReader.ParallelToolCallsDisabled(root);
        if (!root.TryGetProperty("tool_choice"u8, out JsonElement choice) || choice.ValueKind == JsonValueKind.Null)
        {
            if (disableParallel)
            {
                InboundRequestReader.WriteToolChoice(writer, "auto", null, disableParallel);
            }

            return;
        }

        if (choice.ValueKind == JsonValueKind.String)
        {
            string type = InboundRequestReader.ToolChoiceType(choice.GetString())
                ?? throw new InboundRequestException("'tool_choice' must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\"}}; got '" + choice.GetString() + "'.", "tool_choice");
            InboundRequestReader.WriteToolChoice(writer, type, null, disableParallel);
            return;
        }

        if (choice.ValueKind == JsonValueKind.Object
            && InboundRequestReader.OptionalString(choice, "type", "tool_choice.type") == "function"
            && choice.TryGetProperty("function"u8, out JsonElement function) && function.ValueKind == JsonValueKind.Object)
        {
            InboundRequestReader.WriteToolChoice(writer, "tool", InboundRequestReader.RequiredString(function, "name", "tool_choice.function.name"), disableParallel);
            return;
        }

        throw new InboundRequestException("'tool_choice' must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\"}}.", "tool_choice");
    }

    private static void WriteStop(Utf8JsonWriter writer, JsonElement root)
    {
        if (!root.TryGetProperty("stop"u8, out JsonElement stop) || stop.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (stop.ValueKind == JsonValueKind.String)
        {
            if (stop.GetString()!.Length > 0)
            {
                writer.WriteStartArray("stop_sequences"u8);
                writer.WriteStringValue(stop.GetString());
                writer.WriteEndArray();
            }

            return;
        }

        if (stop.ValueKind != JsonValueKind.Array)
        {
            throw new InboundRequestException("'stop' must be a string or an array of strings.", "stop");
        }

        writer.WriteStartArray("stop_sequences"u8);
        int i = 0;
        foreach (JsonElement sequence in stop.EnumerateArray())
        {
            if (sequence.ValueKind != JsonValueKind.String)
            {
                string path = InboundRequestReader.Index("stop", i);
                throw new InboundRequestException("'" + path + "' must be a string.", path);
            }

            i++;
            if (sequence.GetString()!.Length > 0)
            {
                writer.WriteStringValue(sequence.GetString());
            }
        }

        writer.WriteEndArray();
    }
}
