using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// Translates an OpenAI Responses request into an Anthropic Messages request for the router.
/// </summary>
/// <remarks>
/// Ccr keeps no conversation state, so previous_response_id, conversation and item_reference are
/// refused with a 400 saying to send the whole input. Hosted tools (web_search, file_search, code
/// interpreter, custom grammar tools...) are dropped rather than refused, so agents such as Codex CLI,
/// which always offer some, still work with their function tools; a tool_choice that forces a dropped
/// tool is refused. instructions and system/developer items join the Anthropic system prompt.
/// </remarks>
internal static class ResponsesRequestTranslator
{
    /// <summary>Translates <paramref name="responsesBody"/>; on an exception, whatever reached <paramref name="anthropicOut"/> must be discarded.</summary>
    /// <exception cref="InboundRequestException">The request is invalid or asks for something the router cannot do.</exception>
    public static ResponsesRequestInfo ToAnthropic(ReadOnlySpan<byte> responsesBody, IBufferWriter<byte> anthropicOut)
    {
        try
        {
            return ToAnthropicCore(responsesBody, anthropicOut);
        }
        catch (InvalidOperationException e)
        {
            // Reading a string with a lone surrogate escape (\ud800 alone) throws deep inside the JSON reader.
            throw InboundRequestException.InvalidText(e);
        }
    }

    private static ResponsesRequestInfo ToAnthropicCore(ReadOnlySpan<byte> responsesBody, IBufferWriter<byte> anthropicOut)
    {
        using JsonDocument document = InboundRequestReader.Parse(responsesBody);
        JsonElement root = document.RootElement;
        string model = InboundRequestReader.RequiredModel(root);
        RefuseState(root, "previous_response_id");
        RefuseState(root, "conversation");
        if (!root.TryGetProperty("input"u8, out JsonElement input) || input.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            throw new InboundRequestException("'input' is required: a string or an array of input items.", "input");
        }

        bool stream = InboundRequestReader.Bool(root, "stream");
        using var writer = new Utf8JsonWriter(anthropicOut, JsonOutput.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("model"u8, model);
        string? effort = null;
        if (root.TryGetProperty("reasoning"u8, out JsonElement reasoning) && reasoning.ValueKind == JsonValueKind.Object)
        {
            effort = InboundRequestReader.OptionalString(reasoning, "effort", "reasoning.effort");
        }

        InboundRequestReader.WriteMaxTokensAndThinking(
            writer,
            InboundRequestReader.PositiveInt(root, "max_output_tokens"),
            InboundRequestReader.ThinkingBudget(effort, "reasoning.effort"));
        WriteSystem(writer, root, input);
        WriteMessages(writer, input);
        var dropped = new List<string>();
        WriteTools(writer, root, dropped);
        InboundRequestReader.CopyNumber(root, "temperature", "temperature", writer);
        InboundRequestReader.CopyNumber(root, "top_p", "top_p", writer);
        if (stream)
        {
            writer.WriteBoolean("stream"u8, true);
        }

        InboundRequestReader.WriteMetadataUser(
            writer,
            InboundRequestReader.OptionalString(root, "safety_identifier", "safety_identifier") ?? InboundRequestReader.OptionalString(root, "user", "user"));

        writer.WriteEndObject();
        writer.Flush();
        return new ResponsesRequestInfo(model, stream, dropped);
    }

    private static void RefuseState(JsonElement root, string name)
    {
        if (root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null)
        {
            throw new InboundRequestException(
                "'" + name + "' is not supported: Ccr is a stateless proxy and keeps no earlier responses. Send the whole conversation in 'input' (Codex CLI: disable response storage).",
                name);
        }
    }

    private static string ItemType(JsonElement item, string path)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new InboundRequestException("'" + path + "' must be an input item object.", path);
        }

        // An item with a role and no type is the short message form.
        return InboundRequestReader.OptionalString(item, "type", path + ".type") ?? (item.TryGetProperty("role"u8, out _) ? "message" : string.Empty);
    }

    private static void WriteSystem(Utf8JsonWriter writer, JsonElement root, JsonElement input)
    {
        var system = new StringBuilder(InboundRequestReader.OptionalString(root, "instructions", "instructions") ?? string.Empty);
        if (input.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (JsonElement item in input.EnumerateArray())
            {
                string path = InboundRequestReader.Index("input", i++);
                if (ItemType(item, path) != "message" || InboundRequestReader.OptionalString(item, "role", path + ".role") is not ("system" or "developer"))
                {
                    continue;
                }

                string text = SystemText(item, path + ".content");
                if (text.Length > 0)
                {
                    system.Append(system.Length > 0 ? "\n\n" : string.Empty).Append(text);
                }
            }
        }

        if (system.Length > 0)
        {
            writer.WriteString("system"u8, system.ToString());
        }
    }

    private static string SystemText(JsonElement item, string path)
    {
        if (!item.TryGetProperty("content"u8, out JsonElement content) || content.ValueKind == JsonValueKind.String)
        {
            return content.ValueKind == JsonValueKind.String ? content.GetString()! : string.Empty;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw new InboundRequestException("'" + path + "' must be a string or an array of input_text parts.", path);
        }

        return InboundRequestReader.JoinTextParts(content, path, "input_text", "must be an input_text part in a system or developer message.");
    }

    private static void WriteMessages(Utf8JsonWriter writer, JsonElement input)
    {
        writer.WriteStartArray("messages"u8);
        var turns = new AnthropicTurnWriter(writer);
        if (input.ValueKind == JsonValueKind.String)
        {
            InboundRequestReader.WriteTextBlock(turns.Turn("user"), input.GetString());
        }
        else
        {
            int i = 0;
            foreach (JsonElement item in input.EnumerateArray())
            {
                string path = InboundRequestReader.Index("input", i++);
                WriteItem(turns, item, ItemType(item, path), path);
            }
        }

        if (!turns.AnyTurn)
        {
            throw new InboundRequestException("'input' holds no user, assistant or tool content; send at least one user message.", "input");
        }

        turns.End();
        writer.WriteEndArray();
    }

    private static void WriteItem(AnthropicTurnWriter turns, JsonElement item, string type, string path)
    {
        switch (type)
        {
            case "message":
                string role = InboundRequestReader.RequiredString(item, "role", path + ".role");
                switch (role)
                {
                    case "system" or "developer":
                        return;
                    case "user" or "assistant":
                        if (HasContent(item))
                        {
                            WriteContent(turns.Turn(role), item, path + ".content");
                        }

                        return;
                    default:
                        throw new InboundRequestException("'" + path + ".role' must be user, assistant, system or developer; got '" + role + "'.", path + ".role");
                }

            case "function_call":
                InboundRequestReader.WriteToolUse(
                    turns.Turn("assistant"),
                    InboundRequestReader.RequiredString(item, "call_id", path + ".call_id"),
                    InboundRequestReader.RequiredString(item, "name", path + ".name"),
                    InboundRequestReader.OptionalString(item, "arguments", path + ".arguments"));
                return;

            case "function_call_output":
                WriteToolResult(turns.Turn("user"), item, path);
                return;
            case "reasoning":
                WriteReasoning(turns, item, path);
                return;
            case "item_reference":
                throw new InboundRequestException("'" + path + "' is an item_reference: Ccr keeps no stored items. Send the item itself.", path + ".type");
            default:
                throw new InboundRequestException(
                    "'" + path + ".type' '" + type + "' is not supported; send message, function_call, function_call_output or reasoning items.", path + ".type");
        }
    }

    private static bool HasContent(JsonElement item) =>
        item.TryGetProperty("content"u8, out JsonElement content)
        && (content.ValueKind == JsonValueKind.String ? content.GetString()!.Length > 0 : content.ValueKind == JsonValueKind.Array && content.GetArrayLength() > 0);

    private static void WriteContent(Utf8JsonWriter writer, JsonElement item, string path)
    {
        JsonElement content = item.GetProperty("content"u8);
        if (content.ValueKind == JsonValueKind.String)
        {
            InboundRequestReader.WriteTextBlock(writer, content.GetString());
            return;
        }

        int i = 0;
        foreach (JsonElement part in content.EnumerateArray())
        {
            WritePart(writer, part, InboundRequestReader.Index(path, i++));
        }
    }

    private static void WritePart(Utf8JsonWriter writer, JsonElement part, string path)
    {
        if (part.ValueKind != JsonValueKind.Object)
        {
            throw new InboundRequestException("'" + path + "' must be a content part object.", path);
        }

        string type = InboundRequestReader.RequiredString(part, "type", path + ".type");
        switch (type)
        {
            case "input_text" or "output_text":
                InboundRequestReader.WriteTextBlock(writer, InboundRequestReader.OptionalString(part, "text", path + ".text"));
                break;
            case "refusal":
                InboundRequestReader.WriteTextBlock(writer, InboundRequestReader.OptionalString(part, "refusal", path + ".refusal"));
                break;
            case "input_image":
                string? url = InboundRequestReader.OptionalString(part, "image_url", path + ".image_url");
                if (string.IsNullOrEmpty(url))
                {
                    throw new InboundRequestException("'" + path + ".image_url' is required (file_id is not supported: Ccr stores no files); send a data: URL or an http(s) URL.", path + ".image_url");
                }

                InboundRequestReader.WriteImage(writer, url, path + ".image_url");
                break;
            default:
                throw new InboundRequestException("'" + path + ".type' '" + type + "' is not supported; send input_text, input_image or output_text parts.", path + ".type");
        }
    }

    private static void WriteToolResult(Utf8JsonWriter writer, JsonElement item, string path)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "tool_result");
        writer.WriteString("tool_use_id"u8, InboundRequestReader.RequiredString(item, "call_id", path + ".call_id"));
        if (item.TryGetProperty("output"u8, out JsonElement output))
        {
            if (output.ValueKind == JsonValueKind.String)
            {
                if (output.GetString()!.Length > 0)
                {
                    writer.WriteString("content"u8, output.GetString());
                }
            }
            else if (output.ValueKind == JsonValueKind.Array)
            {
                writer.WriteStartArray("content"u8);
                int i = 0;
                foreach (JsonElement part in output.EnumerateArray())
                {
                    WritePart(writer, part, InboundRequestReader.Index(path + ".output", i++));
                }

                writer.WriteEndArray();
            }
            else if (output.ValueKind != JsonValueKind.Null)
            {
                throw new InboundRequestException("'" + path + ".output' must be a string or an array of content parts.", path + ".output");
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>A reasoning item sent back becomes a thinking block, so providers that need the reasoning of earlier turns get it.</summary>
    private static void WriteReasoning(AnthropicTurnWriter turns, JsonElement item, string path)
    {
        if (!item.TryGetProperty("summary"u8, out JsonElement summary) || summary.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var text = new StringBuilder();
        int i = 0;
        foreach (JsonElement part in summary.EnumerateArray())
        {
            string partPath = InboundRequestReader.Index(path + ".summary", i++);
            if (part.ValueKind == JsonValueKind.Object)
            {
                text.Append(InboundRequestReader.OptionalString(part, "text", partPath + ".text"));
            }
        }

        if (text.Length == 0)
        {
            return;
        }

        InboundRequestReader.WriteThinkingBlock(turns.Turn("assistant"), text.ToString());
    }

    private static void WriteTools(Utf8JsonWriter writer, JsonElement root, List<string> dropped)
    {
        if (!root.TryGetProperty("tools"u8, out JsonElement tools) || tools.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            throw new InboundRequestException("'tools' must be an array of tools.", "tools");
        }

        bool any = false;
        int i = 0;
        foreach (JsonElement tool in tools.EnumerateArray())
        {
            string path = InboundRequestReader.Index("tools", i++);
            if (tool.ValueKind != JsonValueKind.Object)
            {
                throw new InboundRequestException("'" + path + "' must be a tool object.", path);
            }

            string type = InboundRequestReader.RequiredString(tool, "type", path + ".type");
            if (type != "function")
            {
                dropped.Add(type);
                continue;
            }

            if (!any)
            {
                writer.WriteStartArray("tools"u8);
                any = true;
            }

            tool.TryGetProperty("parameters"u8, out JsonElement parameters);
            InboundRequestReader.WriteTool(
                writer,
                InboundRequestReader.RequiredString(tool, "name", path + ".name"),
                InboundRequestReader.OptionalString(tool, "description", path + ".description"),
                parameters,
                path + ".parameters");
        }

        if (any)
        {
            writer.WriteEndArray();
        }

        WriteToolChoice(writer, root, any);
    }

    private static void WriteToolChoice(Utf8JsonWriter writer, JsonElement root, bool hasTools)
    {
        bool disableParallel = InboundRequestReader.ParallelToolCallsDisabled(root);
        root.TryGetProperty("tool_choice"u8, out JsonElement choice);
        string? type = null;
        string? name = null;
        if (choice.ValueKind == JsonValueKind.String)
        {
            type = InboundRequestReader.ToolChoiceType(choice.GetString())
                ?? throw new InboundRequestException("'tool_choice' must be auto, none, required or {\"type\":\"function\",\"name\"}; got '" + choice.GetString() + "'.", "tool_choice");
        }
        else if (choice.ValueKind == JsonValueKind.Object)
        {
            string? choiceType = InboundRequestReader.OptionalString(choice, "type", "tool_choice.type");
            if (choiceType != "function")
            {
                throw new InboundRequestException("'tool_choice.type' '" + choiceType + "' is not supported: only function tools reach the providers. Use auto, none, required or {\"type\":\"function\",\"name\"}.", "tool_choice.type");
            }

            type = "tool";
            name = InboundRequestReader.RequiredString(choice, "name", "tool_choice.name");
        }
        else if (choice.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            throw new InboundRequestException("'tool_choice' must be a string or an object.", "tool_choice");
        }

        if (!hasTools)
        {
            return;
        }

        if (type is not null || disableParallel)
        {
            InboundRequestReader.WriteToolChoice(writer, type ?? "auto", name, disableParallel);
        }
    }
}
