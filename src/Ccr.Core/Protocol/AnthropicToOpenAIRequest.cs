using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ccr.Core.Buffers;
using Ccr.Core.Providers;

namespace Ccr.Core.Protocol;

/// <summary>Writes an OpenAI Chat Completions request from an Anthropic Messages request.</summary>
/// <remarks>
/// The body is parsed once into a pooled <see cref="JsonDocument"/> because Anthropic turns must be reshaped
/// (tool results pulled out of user turns and placed right after the assistant turn, roles merged), which a
/// single forward pass cannot do. Large values (tool inputs, schemas) are copied element to writer, never via strings.
/// </remarks>
internal static class AnthropicToOpenAIRequest
{
    private const string ToolResultMissing = "[no result: the tool call was interrupted before it returned]";

    /// <summary>Translates <paramref name="anthropicBody"/> into <paramref name="output"/>.</summary>
    /// <exception cref="AnthropicRequestException">The body is not valid JSON or not an object.</exception>
    public static void Write(ReadOnlySpan<byte> anthropicBody, RequestOverrides overrides, ProviderProfile profile, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(output);
        using PooledCopy copy = PooledCopy.Of(anthropicBody);
        try
        {
            using JsonDocument document = ParseRequest(copy.Memory);
            using var writer = new Utf8JsonWriter(output, JsonOutput.WriterOptions);
            WriteRequest(document.RootElement, overrides, profile, writer);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new AnthropicRequestException("The request body has a string with an invalid \\u escape (a lone surrogate); send valid UTF-16 escapes.", e);
        }
    }

    internal static JsonDocument ParseRequest(ReadOnlyMemory<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            throw new AnthropicRequestException("The request body is not valid UTF-8; send JSON encoded as UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, JsonOutput.DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new AnthropicRequestException("The request body is not valid JSON: " + e.Message, e);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new AnthropicRequestException("The request body must be a JSON object.");
        }

        return document;
    }

    private static void WriteRequest(JsonElement root, RequestOverrides overrides, ProviderProfile profile, Utf8JsonWriter writer)
    {
        string model = overrides.Model;
        List<ChatMessage> messages = BuildMessages(root, overrides, profile);
        ArrayBufferWriter<byte>? scratch = null;

        writer.WriteStartObject();
        writer.WriteString("model"u8, model);
        writer.WriteStartArray("messages"u8);
        foreach (ChatMessage message in messages)
        {
            message.WriteTo(writer, ref scratch);
        }

        writer.WriteEndArray();

        bool wroteTools = WriteTools(root, writer);
        if (wroteTools && root.TryGetProperty("tool_choice", out JsonElement toolChoice))
        {
            WriteToolChoice(toolChoice, writer);
        }

        int? maxTokens = TryGetInt(root, "max_tokens") ?? overrides.MaxTokens;
        int? cap = profile.MaxTokensCapFor(model);
        if (maxTokens is int requested)
        {
            writer.WriteNumber("max_tokens"u8, cap is int c && requested > c ? c : requested);
        }

        bool reasonerModel = profile.DropsSamplingParametersFor(model);
        double? temperature = TryGetDouble(root, "temperature") ?? overrides.Temperature;
        if (temperature is double t && !reasonerModel)
        {
            if (profile.ClampTemperatureToUnit)
            {
                t = Math.Clamp(t, 0.01, 1.0);
            }

            writer.WriteNumber("temperature"u8, t);
        }

        double? topP = TryGetDouble(root, "top_p") ?? overrides.TopP;
        if (topP is double p && !reasonerModel)
        {
            writer.WriteNumber("top_p"u8, p);
        }

        if (profile.SupportsTopK && root.TryGetProperty("top_k", out JsonElement topK) && topK.ValueKind == JsonValueKind.Number)
        {
            writer.WritePropertyName("top_k"u8);
            topK.WriteTo(writer);
        }

        if (root.TryGetProperty("stop_sequences", out JsonElement stops) && stops.ValueKind == JsonValueKind.Array && stops.GetArrayLength() > 0)
        {
            writer.WritePropertyName("stop"u8);
            stops.WriteTo(writer);
        }

        if (root.TryGetProperty("stream", out JsonElement stream) && stream.ValueKind == JsonValueKind.True)
        {
            writer.WriteBoolean("stream"u8, true);
            writer.WriteStartObject("stream_options"u8);
            writer.WriteBoolean("include_usage"u8, true);
            writer.WriteEndObject();
        }

        if (root.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind == JsonValueKind.Object &&
            metadata.TryGetProperty("user_id", out JsonElement userId) && userId.ValueKind == JsonValueKind.String)
        {
            writer.WritePropertyName("user"u8);
            userId.WriteTo(writer);
        }

        WriteReasoning(root, profile, writer);
        writer.WriteEndObject();
    }

    private static void WriteReasoning(JsonElement root, ProviderProfile profile, Utf8JsonWriter writer)
    {
        if (profile.Reasoning == ReasoningStyle.ReasoningSplit)
        {
            writer.WriteBoolean("reasoning_split"u8, true);
        }

        if (!root.TryGetProperty("thinking", out JsonElement thinking) || thinking.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        string? type = thinking.TryGetProperty("type", out JsonElement typeElement) && typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString() : null;
        bool enabled = type is "enabled" or "adaptive";
        bool disabled = type == "disabled";
        int? budget = TryGetInt(thinking, "budget_tokens");
        switch (profile.Reasoning)
        {
            case ReasoningStyle.EnableThinkingFlag when enabled:
                writer.WriteBoolean("enable_thinking"u8, true);
                if (budget is int b)
                {
                    writer.WriteNumber("thinking_budget"u8, b);
                }

                break;
            case ReasoningStyle.EnableThinkingFlag when disabled:
                writer.WriteBoolean("enable_thinking"u8, false);
                break;
            case ReasoningStyle.ReasoningMaxTokens when enabled:
                writer.WriteStartObject("reasoning"u8);
                if (budget is int orBudget)
                {
                    writer.WriteNumber("max_tokens"u8, orBudget);
                }
                else
                {
                    writer.WriteBoolean("enabled"u8, true);
                }

                writer.WriteEndObject();
                break;
            case ReasoningStyle.ThinkingType when enabled || disabled:
                writer.WriteStartObject("thinking"u8);
                writer.WriteString("type"u8, enabled ? "enabled" : "disabled");
                writer.WriteEndObject();
                break;
            case ReasoningStyle.ReasoningEffort when enabled:
                writer.WriteString("reasoning_effort"u8, budget switch
                {
                    null => "medium",
                    < 4096 => "low",
                    < 16384 => "medium",
                    _ => "high",
                });
                break;
            default:
                break;
        }
    }

    private static bool WriteTools(JsonElement root, Utf8JsonWriter writer)
    {
        if (!root.TryGetProperty("tools", out JsonElement tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        bool started = false;
        foreach (JsonElement tool in tools.EnumerateArray())
        {
            // Server tools (web_search_20250305, code_execution...) have no schema and run at Anthropic; an OpenAI upstream cannot run them.
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String ||
                !tool.TryGetProperty("input_schema", out JsonElement schema) || schema.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (!started)
            {
                writer.WriteStartArray("tools"u8);
                started = true;
            }

            writer.WriteStartObject();
            writer.WriteString("type"u8, "function"u8);
            writer.WriteStartObject("function"u8);
            writer.WritePropertyName("name"u8);
            name.WriteTo(writer);
            if (tool.TryGetProperty("description", out JsonElement description) && description.ValueKind == JsonValueKind.String)
            {
                writer.WritePropertyName("description"u8);
                description.WriteTo(writer);
            }

            writer.WritePropertyName("parameters"u8);
            schema.WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        if (started)
        {
            writer.WriteEndArray();
        }

        return started;
    }

    private static void WriteToolChoice(JsonElement toolChoice, Utf8JsonWriter writer)
    {
        if (toolChoice.ValueKind != JsonValueKind.Object || !toolChoice.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String)
        {
            return;
        }

        switch (type.GetString())
        {
            case "auto":
                writer.WriteString("tool_choice"u8, "auto"u8);
                break;
            case "any":
                writer.WriteString("tool_choice"u8, "required"u8);
                break;
            case "none":
                writer.WriteString("tool_choice"u8, "none"u8);
                break;
            case "tool" when toolChoice.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String:
                writer.WriteStartObject("tool_choice"u8);
                writer.WriteString("type"u8, "function"u8);
                writer.WriteStartObject("function"u8);
                writer.WritePropertyName("name"u8);
                name.WriteTo(writer);
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
            default:
                break;
        }

        if (toolChoice.TryGetProperty("disable_parallel_tool_use", out JsonElement noParallel) && noParallel.ValueKind == JsonValueKind.True)
        {
            writer.WriteBoolean("parallel_tool_calls"u8, false);
        }
    }

    private static List<ChatMessage> BuildMessages(JsonElement root, RequestOverrides overrides, ProviderProfile profile)
    {
        var result = new List<ChatMessage>();
        string? system = ReadSystem(root, overrides);
        if (root.TryGetProperty("messages", out JsonElement messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement message in messages.EnumerateArray())
            {
                if (message.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                string role = message.TryGetProperty("role", out JsonElement r) && r.ValueKind == JsonValueKind.String
                    ? r.ValueEquals("assistant") ? "assistant" : r.ValueEquals("system") ? "system" : "user"
                    : "user";
                message.TryGetProperty("content", out JsonElement content);
                if (role == "system")
                {
                    // Many chat templates reject a system turn after the first message, so in-conversation
                    // system turns (Claude Code's environment notes) join the leading system message.
                    system = AppendSystemText(system, content);
                }
                else if (role == "assistant")
                {
                    AddAssistant(content, profile, result);
                }
                else
                {
                    AddUser(content, profile, result);
                }
            }
        }

        if (!string.IsNullOrEmpty(system))
        {
            result.Insert(0, new ChatMessage("system") { Parts = { ContentPart.Text(system) } });
        }

        PairToolCalls(result);
        return profile.MergeConsecutiveRoles ? MergeRoles(result) : result;
    }

    private static string? AppendSystemText(string? system, JsonElement content)
    {
        var builder = new StringBuilder(system);
        if (content.ValueKind == JsonValueKind.String)
        {
            AppendParagraph(builder, content.GetString()!);
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement block in content.EnumerateArray())
            {
                if (block.ValueKind == JsonValueKind.Object && block.TryGetProperty("text", out JsonElement text) && text.ValueKind == JsonValueKind.String)
                {
                    AppendParagraph(builder, text.GetString()!);
                }
            }
        }

        return builder.ToString();
    }

    private static void AppendParagraph(StringBuilder builder, string piece)
    {
        if (piece.Length == 0)
        {
            return;
        }

        if (builder.Length > 0)
        {
            builder.Append("\n\n");
        }

        builder.Append(piece);
    }

    private static string? ReadSystem(JsonElement root, RequestOverrides overrides)
    {
        if (!root.TryGetProperty("system", out JsonElement system) || system.ValueKind == JsonValueKind.Null)
        {
            return overrides.System;
        }

        string text;
        if (system.ValueKind == JsonValueKind.String)
        {
            text = system.GetString()!;
            return overrides.StripSubagentTag ? SubagentTag.Strip(text) : text;
        }

        if (system.ValueKind != JsonValueKind.Array)
        {
            return overrides.System;
        }

        var builder = new StringBuilder();
        bool first = true;
        foreach (JsonElement block in system.EnumerateArray())
        {
            if (block.ValueKind != JsonValueKind.Object || !block.TryGetProperty("text", out JsonElement blockText) || blockText.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            string piece = blockText.GetString()!;
            if (first && overrides.StripSubagentTag)
            {
                piece = SubagentTag.Strip(piece);
            }

            if (!first && piece.Length > 0 && builder.Length > 0)
            {
                builder.Append("\n\n");
            }

            builder.Append(piece);
            first = false;
        }

        return builder.ToString();
    }

    private static void AddUser(JsonElement content, ProviderProfile profile, List<ChatMessage> result)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            result.Add(new ChatMessage("user") { Parts = { ContentPart.Text(content) } });
            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var user = new ChatMessage("user");
        foreach (JsonElement block in content.EnumerateArray())
        {
            string? type = BlockType(block);
            if (type == "tool_result")
            {
                AddToolResult(block, user, result);
            }
            else
            {
                AddUserBlock(block, type, profile, user.Parts);
            }
        }

        if (user.Parts.Count > 0)
        {
            result.Add(user);
        }
    }

    private static void AddToolResult(JsonElement block, ChatMessage trailingUser, List<ChatMessage> result)
    {
        string id = GetString(block, "tool_use_id") ?? "";
        bool isError = block.TryGetProperty("is_error", out JsonElement err) && err.ValueKind == JsonValueKind.True;
        var text = new StringBuilder();
        if (isError)
        {
            text.Append("[tool error] ");
        }

        if (block.TryGetProperty("content", out JsonElement content))
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                text.Append(content.GetString());
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                bool first = true;
                foreach (JsonElement inner in content.EnumerateArray())
                {
                    string? innerType = BlockType(inner);
                    if (innerType == "text")
                    {
                        if (!first)
                        {
                            text.Append('\n');
                        }

                        text.Append(GetString(inner, "text"));
                        first = false;
                    }
                    else if (innerType == "image" && TryImageUrl(inner, out string url))
                    {
                        // Tool messages carry text only; the image follows in the user message right after the tool messages.
                        trailingUser.Parts.Add(ContentPart.Text("[image from tool result " + id + "]"));
                        trailingUser.Parts.Add(ContentPart.Image(url));
                        text.Append(first ? "" : "\n").Append("[image attached in the next user message]");
                        first = false;
                    }
                }
            }
        }

        result.Add(new ChatMessage("tool") { ToolCallId = id, Parts = { ContentPart.Text(text.ToString()) } });
    }

    private static void AddUserBlock(JsonElement block, string? type, ProviderProfile profile, List<ContentPart> parts)
    {
        switch (type)
        {
            case "text":
                parts.Add(ContentPart.TextOf(block, "text"));
                break;
            case "image":
                if (TryImageUrl(block, out string url))
                {
                    parts.Add(ContentPart.Image(url));
                }

                break;
            case "document":
                AddDocument(block, profile, parts);
                break;
            default:
                break;
        }
    }

    private static void AddDocument(JsonElement block, ProviderProfile profile, List<ContentPart> parts)
    {
        string? title = GetString(block, "title");
        if (!block.TryGetProperty("source", out JsonElement source) || source.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        string? sourceType = GetString(source, "type");
        string label = title is null ? "document" : "document \"" + title + "\"";
        switch (sourceType)
        {
            case "text":
                parts.Add(ContentPart.Text("[" + label + "]\n" + GetString(source, "data")));
                break;
            case "content" when source.TryGetProperty("content", out JsonElement inner):
                var text = new StringBuilder("[" + label + "]");
                if (inner.ValueKind == JsonValueKind.String)
                {
                    text.Append('\n').Append(inner.GetString());
                }
                else if (inner.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement innerBlock in inner.EnumerateArray())
                    {
                        if (BlockType(innerBlock) == "text")
                        {
                            text.Append('\n').Append(GetString(innerBlock, "text"));
                        }
                    }
                }

                parts.Add(ContentPart.Text(text.ToString()));
                break;
            case "base64" when profile.SupportsDocuments:
                parts.Add(ContentPart.File(title ?? "document.pdf", "data:" + (GetString(source, "media_type") ?? "application/pdf") + ";base64," + GetString(source, "data")));
                break;
            case "url" when profile.SupportsDocuments:
                parts.Add(ContentPart.File(title ?? "document.pdf", GetString(source, "url") ?? ""));
                break;
            case "url":
                parts.Add(ContentPart.Text("[" + label + " at " + GetString(source, "url") + " omitted: provider '" + profile.Name + "' cannot read documents; paste the text instead]"));
                break;
            default:
                int bytes = (GetString(source, "data")?.Length ?? 0) * 3 / 4;
                parts.Add(ContentPart.Text("[" + label + " (" + (GetString(source, "media_type") ?? "binary") + ", " + bytes.ToString(CultureInfo.InvariantCulture) +
                    " bytes) omitted: provider '" + profile.Name + "' cannot read PDF documents; extract the text and send it instead]"));
                break;
        }
    }

    private static bool TryImageUrl(JsonElement block, out string url)
    {
        url = "";
        if (!block.TryGetProperty("source", out JsonElement source) || source.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        switch (GetString(source, "type"))
        {
            case "base64":
                url = "data:" + (GetString(source, "media_type") ?? "image/png") + ";base64," + GetString(source, "data");
                return true;
            case "url":
                url = GetString(source, "url") ?? "";
                return url.Length > 0;
            default:
                return false;
        }
    }

    private static void AddAssistant(JsonElement content, ProviderProfile profile, List<ChatMessage> result)
    {
        var assistant = new ChatMessage("assistant");
        if (content.ValueKind == JsonValueKind.String)
        {
            assistant.Parts.Add(ContentPart.Text(content));
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement block in content.EnumerateArray())
            {
                switch (BlockType(block))
                {
                    case "text":
                        assistant.Parts.Add(ContentPart.TextOf(block, "text"));
                        break;
                    case "thinking" when profile.SendReasoningContentBack:
                        assistant.Reasoning = (assistant.Reasoning ?? "") + GetString(block, "thinking");
                        break;
                    case "tool_use":
                        assistant.ToolCalls.Add(new ToolCall(
                            GetString(block, "id") ?? "toolu_" + Guid.NewGuid().ToString("N"),
                            GetString(block, "name") ?? "",
                            block.TryGetProperty("input", out JsonElement input) ? input : default));
                        break;
                    default:
                        // redacted_thinking is opaque to other vendors; server tool blocks ran at Anthropic.
                        break;
                }
            }
        }

        if (profile.SendReasoningContentBack && assistant.ToolCalls.Count > 0)
        {
            assistant.Reasoning ??= "";
        }

        if (assistant.Parts.Count > 0 || assistant.ToolCalls.Count > 0 || assistant.Reasoning is not null)
        {
            result.Add(assistant);
        }
    }

    /// <summary>OpenAI upstreams reject a tool_call without its tool message and a tool message without its call: repair both.</summary>
    private static void PairToolCalls(List<ChatMessage> messages)
    {
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessage message = messages[i];
            if (message.Role == "tool")
            {
                // A tool message here did not follow a matching call: keep its text as user text.
                messages[i] = new ChatMessage("user") { Parts = { ContentPart.Text("[tool result " + message.ToolCallId + "]\n" + message.JoinedText()) } };
                continue;
            }

            if (message.Role != "assistant" || message.ToolCalls.Count == 0)
            {
                continue;
            }

            var answered = new HashSet<string>(StringComparer.Ordinal);
            int j = i + 1;
            while (j < messages.Count && messages[j].Role == "tool")
            {
                ChatMessage tool = messages[j];
                if (message.ToolCalls.Exists(c => c.Id == tool.ToolCallId) && answered.Add(tool.ToolCallId!))
                {
                    j++;
                    continue;
                }

                messages[j] = new ChatMessage("user") { Parts = { ContentPart.Text("[tool result " + tool.ToolCallId + "]\n" + tool.JoinedText()) } };
                break;
            }

            int insertAt = i + 1 + answered.Count;
            foreach (ToolCall call in message.ToolCalls)
            {
                if (answered.Add(call.Id))
                {
                    messages.Insert(insertAt++, new ChatMessage("tool") { ToolCallId = call.Id, Parts = { ContentPart.Text(ToolResultMissing) } });
                }
            }

            i = insertAt - 1;
        }
    }

    private static List<ChatMessage> MergeRoles(List<ChatMessage> messages)
    {
        var merged = new List<ChatMessage>(messages.Count);
        foreach (ChatMessage message in messages)
        {
            ChatMessage? previous = merged.Count > 0 ? merged[^1] : null;
            bool canMerge = previous is not null && previous.Role == message.Role && message.Role is "user" or "assistant" &&
                (message.Role == "user" || previous!.ToolCalls.Count == 0);
            if (!canMerge)
            {
                merged.Add(message);
                continue;
            }

            previous!.Parts.AddRange(message.Parts);
            previous.ToolCalls.AddRange(message.ToolCalls);
            if (message.Reasoning is not null)
            {
                previous.Reasoning = (previous.Reasoning ?? "") + message.Reasoning;
            }
        }

        return merged;
    }

    private static string? BlockType(JsonElement block) =>
        block.ValueKind == JsonValueKind.Object ? GetString(block, "type") : null;

    private static string? GetString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? TryGetInt(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int i) ? i : null;

    private static double? TryGetDouble(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private enum PartKind
    {
        Text,
        Image,
        File,
    }

    /// <summary>
    /// One part of a message. A text part read straight from the request keeps its JSON string element, so the
    /// common single-text message is copied from request to upstream as UTF-8 without becoming a .NET string.
    /// </summary>
    private sealed class ContentPart
    {
        private readonly JsonElement _source;
        private string? _value;

        private ContentPart(PartKind kind, string? value, JsonElement source, string? fileName)
        {
            Kind = kind;
            _value = value;
            _source = source;
            FileName = fileName;
        }

        public PartKind Kind { get; }

        public string? FileName { get; }

        public string Value => _value ??= _source.GetString() ?? "";

        public static ContentPart Text(string text) => new(PartKind.Text, text, default, null);

        /// <summary>A text part from a JSON string element; the element must outlive the part (the request's document).</summary>
        public static ContentPart Text(JsonElement stringElement) => new(PartKind.Text, null, stringElement, null);

        /// <summary>The text part of <paramref name="block"/>'s string property <paramref name="name"/>, or empty text.</summary>
        public static ContentPart TextOf(JsonElement block, string name) =>
            block.ValueKind == JsonValueKind.Object && block.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
                ? Text(value)
                : Text("");

        public static ContentPart Image(string url) => new(PartKind.Image, url, default, null);

        public static ContentPart File(string name, string data) => new(PartKind.File, data, default, name);

        /// <summary>Writes the text as a JSON string value, from the request's UTF-8 when it came from there.</summary>
        public void WriteValue(Utf8JsonWriter writer)
        {
            if (_value is null && _source.ValueKind == JsonValueKind.String)
            {
                _source.WriteTo(writer);
            }
            else
            {
                writer.WriteStringValue(Value);
            }
        }
    }

    private sealed record ToolCall(string Id, string Name, JsonElement Input);

    private sealed class ChatMessage(string role)
    {
        public string Role { get; } = role;

        public List<ContentPart> Parts { get; } = new();

        public List<ToolCall> ToolCalls { get; } = new();

        public string? ToolCallId { get; init; }

        public string? Reasoning { get; set; }

        public string JoinedText()
        {
            if (Parts.Count == 1 && Parts[0].Kind == PartKind.Text)
            {
                return Parts[0].Value;
            }

            var builder = new StringBuilder();
            foreach (ContentPart part in Parts)
            {
                if (part.Kind == PartKind.Text)
                {
                    if (builder.Length > 0)
                    {
                        builder.Append("\n\n");
                    }

                    builder.Append(part.Value);
                }
            }

            return builder.ToString();
        }

        public void WriteTo(Utf8JsonWriter writer, ref ArrayBufferWriter<byte>? scratch)
        {
            writer.WriteStartObject();
            writer.WriteString("role"u8, Role);
            bool textOnly = Parts.TrueForAll(p => p.Kind == PartKind.Text);
            if (Parts.Count == 0)
            {
                writer.WriteNull("content"u8);
            }
            else if (textOnly || Role != "user")
            {
                // Most upstreams (DeepSeek among them) accept only string content outside user image turns.
                if (Parts.Count == 1 && Parts[0].Kind == PartKind.Text)
                {
                    writer.WritePropertyName("content"u8);
                    Parts[0].WriteValue(writer);
                }
                else
                {
                    writer.WriteString("content"u8, JoinedText());
                }
            }
            else
            {
                writer.WriteStartArray("content"u8);
                foreach (ContentPart part in Parts)
                {
                    writer.WriteStartObject();
                    switch (part.Kind)
                    {
                        case PartKind.Text:
                            writer.WriteString("type"u8, "text"u8);
                            writer.WritePropertyName("text"u8);
                            part.WriteValue(writer);
                            break;
                        case PartKind.Image:
                            writer.WriteString("type"u8, "image_url"u8);
                            writer.WriteStartObject("image_url"u8);
                            writer.WriteString("url"u8, part.Value);
                            writer.WriteEndObject();
                            break;
                        default:
                            writer.WriteString("type"u8, "file"u8);
                            writer.WriteStartObject("file"u8);
                            writer.WriteString("filename"u8, part.FileName);
                            writer.WriteString("file_data"u8, part.Value);
                            writer.WriteEndObject();
                            break;
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            if (Reasoning is not null)
            {
                writer.WriteString("reasoning_content"u8, Reasoning);
            }

            if (ToolCallId is not null)
            {
                writer.WriteString("tool_call_id"u8, ToolCallId);
            }

            if (ToolCalls.Count > 0)
            {
                writer.WriteStartArray("tool_calls"u8);
                foreach (ToolCall call in ToolCalls)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id"u8, call.Id);
                    writer.WriteString("type"u8, "function"u8);
                    writer.WriteStartObject("function"u8);
                    writer.WriteString("name"u8, call.Name);
                    WriteArguments(call.Input, writer, ref scratch);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        private static void WriteArguments(JsonElement input, Utf8JsonWriter writer, ref ArrayBufferWriter<byte>? scratch)
        {
            if (input.ValueKind == JsonValueKind.Undefined || input.ValueKind == JsonValueKind.Null)
            {
                writer.WriteString("arguments"u8, "{}"u8);
                return;
            }

            scratch ??= new ArrayBufferWriter<byte>(256);
            scratch.Clear();
            using (var compact = new Utf8JsonWriter(scratch, JsonOutput.WriterOptions))
            {
                input.WriteTo(compact);
            }

            writer.WriteString("arguments"u8, scratch.WrittenSpan);
        }
    }
}
