using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// Checks shared by the Chat Completions and Responses request translators: each failure names the
/// field and says what to send instead.
/// </summary>
internal static class InboundRequestReader
{
    /// <summary>Default max_tokens when the client sends none: OpenAI makes it optional, Anthropic requires it.</summary>
    public const int DefaultMaxTokens = 4096;

    public static JsonDocument Parse(ReadOnlySpan<byte> body)
    {
        // JsonDocument checks UTF-8 only when a string is read, far from here; refuse a bad body up front as a 400.
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            throw new InboundRequestException("The request body is not valid UTF-8; send JSON encoded as UTF-8.", null);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { AllowTrailingCommas = false, MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new InboundRequestException("The request body is not valid JSON (" + e.Message + "). Send a JSON object.", null);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new InboundRequestException("The request body must be a JSON object.", null);
        }

        return document;
    }

    public static string RequiredModel(JsonElement root)
    {
        if (!root.TryGetProperty("model"u8, out JsonElement model) || model.ValueKind != JsonValueKind.String || model.GetString()!.Length == 0)
        {
            throw new InboundRequestException("'model' is required: a model name, or 'provider,model' to pick a provider explicitly.", "model");
        }

        return model.GetString()!;
    }

    public static bool Bool(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InboundRequestException("'" + name + "' must be true or false.", name),
        };
    }

    public static string? OptionalString(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new InboundRequestException("'" + path + "' must be a string.", path);
        }

        return value.GetString();
    }

    public static string RequiredString(JsonElement parent, string name, string path)
    {
        string? value = OptionalString(parent, name, path);
        if (string.IsNullOrEmpty(value))
        {
            throw new InboundRequestException("'" + path + "' is required and must be a non-empty string.", path);
        }

        return value;
    }

    /// <summary>A positive token limit from the first of <paramref name="names"/> present, else null.</summary>
    public static int? PositiveInt(JsonElement root, params string[] names)
    {
        foreach (string name in names)
        {
            if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int n) || n <= 0)
            {
                throw new InboundRequestException("'" + name + "' must be a positive whole number.", name);
            }

            return n;
        }

        return null;
    }

    /// <summary>Copies a number field (temperature, top_p) unchanged when present.</summary>
    public static void CopyNumber(JsonElement root, string name, string anthropicName, Utf8JsonWriter writer)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new InboundRequestException("'" + name + "' must be a number.", name);
        }

        writer.WritePropertyName(anthropicName);
        value.WriteTo(writer);
    }

    /// <summary>Thinking budget for an OpenAI reasoning effort; null means no extended thinking.</summary>
    public static int? ThinkingBudget(string? effort, string path) => effort switch
    {
        null or "none" or "minimal" => null,
        "low" => 1024,
        "medium" => 4096,
        "high" => 16384,
        _ => throw new InboundRequestException("'" + path + "' must be one of none, minimal, low, medium, high; got '" + effort + "'.", path),
    };

    /// <summary>
    /// Writes max_tokens and thinking together: Anthropic counts thinking inside max_tokens and needs
    /// budget_tokens below it and at least 1024. Without a client limit the answer keeps the default room
    /// on top of the budget; with one, the budget shrinks to fit, and is dropped if it cannot.
    /// </summary>
    public static void WriteMaxTokensAndThinking(Utf8JsonWriter writer, int? maxTokens, int? budget)
    {
        int max = maxTokens ?? (budget is null ? DefaultMaxTokens : budget.Value + DefaultMaxTokens);
        writer.WriteNumber("max_tokens"u8, max);
        if (budget is null)
        {
            return;
        }

        int fitted = Math.Min(budget.Value, max - 1);
        if (fitted < 1024)
        {
            return;
        }

        writer.WriteStartObject("thinking"u8);
        writer.WriteString("type"u8, "enabled");
        writer.WriteNumber("budget_tokens"u8, fitted);
        writer.WriteEndObject();
    }

    /// <summary>Writes a text block; Anthropic rejects empty text blocks, so an empty text writes nothing.</summary>
    public static void WriteTextBlock(Utf8JsonWriter writer, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("type"u8, "text");
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
    }

    /// <summary>Writes reasoning the client sent back as a thinking block.</summary>
    public static void WriteThinkingBlock(Utf8JsonWriter writer, string thinking)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "thinking");
        writer.WriteString("thinking"u8, thinking);
        writer.WriteEndObject();
    }

    /// <summary>Writes a function call the client sent back as a tool_use block.</summary>
    public static void WriteToolUse(Utf8JsonWriter writer, string id, string name, string? arguments)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "tool_use");
        writer.WriteString("id"u8, id);
        writer.WriteString("name"u8, name);
        WriteToolInput(writer, arguments);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Joins an array of text-only parts (system and developer content) into one string. Each part must be
    /// an object of type <paramref name="partType"/>; otherwise the error says "'path' " + <paramref name="partRule"/>.
    /// </summary>
    public static string JoinTextParts(JsonElement parts, string path, string partType, string partRule)
    {
        var text = new StringBuilder();
        int i = 0;
        foreach (JsonElement part in parts.EnumerateArray())
        {
            string partPath = Index(path, i++);
            string? type = part.ValueKind == JsonValueKind.Object ? OptionalString(part, "type", partPath + ".type") : null;
            if (type != partType)
            {
                throw new InboundRequestException("'" + partPath + "' " + partRule, partPath);
            }

            text.Append(OptionalString(part, "text", partPath + ".text"));
        }

        return text.ToString();
    }

    /// <summary>Writes metadata.user_id when the client named its end user.</summary>
    public static void WriteMetadataUser(Utf8JsonWriter writer, string? user)
    {
        if (string.IsNullOrEmpty(user))
        {
            return;
        }

        writer.WriteStartObject("metadata"u8);
        writer.WriteString("user_id"u8, user);
        writer.WriteEndObject();
    }

    /// <summary>parallel_tool_calls: false, which Anthropic spells disable_parallel_tool_use.</summary>
    public static bool ParallelToolCallsDisabled(JsonElement root) =>
        root.TryGetProperty("parallel_tool_calls"u8, out JsonElement parallel) && parallel.ValueKind == JsonValueKind.False;

    /// <summary>The Anthropic tool_choice type for OpenAI's string form, or null when it is none of auto, none, required.</summary>
    public static string? ToolChoiceType(string? choice) => choice switch
    {
        "auto" => "auto",
        "none" => "none",
        "required" => "any",
        _ => null,
    };

    /// <summary>
    /// Writes an OpenAI image URL as an Anthropic image block: a data: URL becomes base64 source, an
    /// http(s) URL a url source.
    /// </summary>
    public static void WriteImage(Utf8JsonWriter writer, string url, string path)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "image");
        writer.WriteStartObject("source"u8);
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            int comma = url.IndexOf(',', StringComparison.Ordinal);
            int marker = comma < 0 ? -1 : url.LastIndexOf(";base64", comma, StringComparison.OrdinalIgnoreCase);
            if (comma < 0 || marker < 5)
            {
                throw new InboundRequestException("'" + path + "' is a data: URL that is not base64; send data:<media type>;base64,<data>.", path);
            }

            writer.WriteString("type"u8, "base64");
            writer.WriteString("media_type"u8, url.AsSpan(5, marker - 5));
            writer.WriteString("data"u8, url.AsSpan(comma + 1));
        }
        else if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            writer.WriteString("type"u8, "url");
            writer.WriteString("url"u8, url);
        }
        else
        {
            throw new InboundRequestException("'" + path + "' must be a data: URL or an http(s) URL.", path);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes a tool call's arguments string as the tool_use input object. Arguments that are not a JSON
    /// object are kept whole under <see cref="UnparsedArgumentsKey"/> so nothing the model said is lost.
    /// </summary>
    public static void WriteToolInput(Utf8JsonWriter writer, string? arguments)
    {
        writer.WritePropertyName("input"u8);
        ToolArguments.WriteInput(arguments, writer);
    }

    /// <summary>The input key holding tool-call arguments that were not a JSON object.</summary>
    public const string UnparsedArgumentsKey = OpenAIToAnthropicResponse.UnparsedArgumentsKey;

    public static string Index(string path, int index) => path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>
    /// Writes a function tool: OpenAI's JSON-schema parameters are Anthropic's input_schema, which must
    /// be an object schema, so an absent one becomes {"type":"object"}.
    /// </summary>
    public static void WriteTool(Utf8JsonWriter writer, string name, string? description, JsonElement parameters, string path)
    {
        writer.WriteStartObject();
        writer.WriteString("name"u8, name);
        if (!string.IsNullOrEmpty(description))
        {
            writer.WriteString("description"u8, description);
        }

        writer.WritePropertyName("input_schema"u8);
        if (parameters.ValueKind == JsonValueKind.Object)
        {
            parameters.WriteTo(writer);
        }
        else if (parameters.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "object");
            writer.WriteEndObject();
        }
        else
        {
            throw new InboundRequestException("'" + path + "' must be a JSON schema object.", path);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes tool_choice; "none" keeps the tools listed but forbids their use, as in OpenAI.</summary>
    public static void WriteToolChoice(Utf8JsonWriter writer, string type, string? name, bool disableParallel)
    {
        writer.WriteStartObject("tool_choice"u8);
        writer.WriteString("type"u8, type);
        if (name is not null)
        {
            writer.WriteString("name"u8, name);
        }

        if (disableParallel && type != "none")
        {
            writer.WriteBoolean("disable_parallel_tool_use"u8, true);
        }

        writer.WriteEndObject();
    }
}
