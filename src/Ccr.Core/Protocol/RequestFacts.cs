using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ccr.Core.Protocol;

/// <summary>The facts the router needs about an inbound Anthropic request, read in one forward pass without building a DOM.</summary>
internal sealed class RequestFacts
{
    public string? Model { get; private set; }

    public bool Stream { get; private set; }

    public bool ThinkingEnabled { get; private set; }

    /// <summary>A tool whose type or name starts with <c>web_search</c>.</summary>
    public bool HasWebSearchTool { get; private set; }

    /// <summary><c>provider,model</c> from a subagent tag at the start of the system prompt, or null.</summary>
    public string? SubagentRoute { get; private set; }

    public int? MaxTokens { get; private set; }

    public bool HasTemperature { get; private set; }

    public bool HasTopP { get; private set; }

    public bool HasSystem { get; private set; }

    public bool HasMessages { get; private set; }

    /// <summary>Claude Code's session id from <c>metadata.user_id</c>, or null when the client sent none.</summary>
    public string? SessionId { get; private set; }

    /// <summary>Reads and validates <paramref name="body"/>.</summary>
    /// <exception cref="AnthropicRequestException">The body is not a usable Messages request; the message says what and where.</exception>
    public static RequestFacts Read(ReadOnlySpan<byte> body)
    {
        var facts = new RequestFacts();
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new AnthropicRequestException("The request body is empty; send a JSON object with a \"messages\" array.");
        }

        // The JSON reader only checks UTF-8 when a string is decoded, deep inside the translators; refuse it here as a 400.
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            throw new AnthropicRequestException("The request body is not valid UTF-8; send JSON encoded as UTF-8.");
        }

        var reader = new Utf8JsonReader(body, JsonOutput.ReaderOptions);
        try
        {
            if (!reader.Read())
            {
                throw new AnthropicRequestException("The request body is empty; send a JSON object with a \"messages\" array.");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new AnthropicRequestException("The request body must be a JSON object (got " + Describe(reader.TokenType) + ").");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                facts.ReadProperty(name, ref reader);
            }

            // Trailing content after the object is invalid JSON; let the reader say so.
            while (reader.Read())
            {
            }
        }
        catch (InvalidOperationException e)
        {
            // A \u escape that is a lone surrogate is valid JSON syntax but no valid string.
            throw new AnthropicRequestException("The request body has a string with an invalid \\u escape (a lone surrogate); send valid UTF-16 escapes.", e);
        }
        catch (JsonException e)
        {
            throw new AnthropicRequestException(
                "The request body is not valid JSON at line " + (e.LineNumber + 1 ?? 0).ToString(CultureInfo.InvariantCulture) +
                ", byte " + (e.BytePositionInLine + 1 ?? 0).ToString(CultureInfo.InvariantCulture) + ": " + FirstSentence(e.Message), e);
        }

        if (!facts.HasMessages)
        {
            throw new AnthropicRequestException("messages: field required; send \"messages\":[{\"role\":\"user\",\"content\":\"...\"}].");
        }

        return facts;
    }

    private void ReadProperty(string name, ref Utf8JsonReader reader)
    {
        switch (name)
        {
            case "model":
                Expect(ref reader, JsonTokenType.String, "model", "a string such as \"provider,model\"");
                Model = reader.GetString();
                break;
            case "stream":
                if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                {
                    Stream = reader.GetBoolean();
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    throw Wrong("stream", "true or false", reader.TokenType);
                }

                break;
            case "max_tokens":
                if (reader.TokenType == JsonTokenType.Null)
                {
                    break;
                }

                Expect(ref reader, JsonTokenType.Number, "max_tokens", "a positive integer");
                if (!reader.TryGetInt32(out int maxTokens) || maxTokens < 1)
                {
                    throw new AnthropicRequestException("max_tokens: must be a positive integer (got " + Encoding.UTF8.GetString(reader.ValueSpan) + ").");
                }

                MaxTokens = maxTokens;
                break;
            case "temperature":
                HasTemperature = ReadOptionalNumber(ref reader, "temperature");
                break;
            case "top_p":
                HasTopP = ReadOptionalNumber(ref reader, "top_p");
                break;
            case "top_k":
                ReadOptionalNumber(ref reader, "top_k");
                break;
            case "system":
                ReadSystem(ref reader);
                break;
            case "thinking":
                ReadThinking(ref reader);
                break;
            case "tools":
                ReadTools(ref reader);
                break;
            case "messages":
                ReadMessages(ref reader);
                break;
            case "metadata":
                ReadMetadata(ref reader);
                break;
            default:
                reader.Skip();
                break;
        }
    }

    private static bool ReadOptionalNumber(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return false;
        }

        Expect(ref reader, JsonTokenType.Number, field, "a number");
        return true;
    }

    private void ReadSystem(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        HasSystem = true;
        if (reader.TokenType == JsonTokenType.String)
        {
            CheckSubagentTag(ref reader);
            return;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Wrong("system", "a string or an array of text blocks", reader.TokenType);
        }

        int index = 0;
        bool sawText = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            string where = "system[" + index.ToString(CultureInfo.InvariantCulture) + "]";
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Wrong(where, "a text block object", reader.TokenType);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isText = reader.ValueTextEquals("text"u8);
                reader.Read();
                if (isText && reader.TokenType == JsonTokenType.String)
                {
                    if (!sawText)
                    {
                        CheckSubagentTag(ref reader);
                    }

                    sawText = true;
                }
                else
                {
                    reader.Skip();
                }
            }

            index++;
        }
    }

    private void CheckSubagentTag(ref Utf8JsonReader reader)
    {
        ReadOnlySpan<byte> raw = reader.ValueSpan;
        int start = 0;
        while (start < raw.Length && (raw[start] == (byte)' ' || raw[start] == (byte)'\n' || raw[start] == (byte)'\r' || raw[start] == (byte)'\t'))
        {
            start++;
        }

        // Cheap test on the raw bytes first: a 20 KB system prompt without the tag is never decoded.
        if (!reader.ValueIsEscaped && !raw[start..].StartsWith(SubagentTag.OpenUtf8))
        {
            return;
        }

        if (SubagentTag.TryRead(reader.GetString()!, out string route, out _) && route.Length > 0)
        {
            SubagentRoute = route;
        }
    }

    private void ReadMetadata(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            // The API ignores what it does not use here; so does routing.
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isUserId = reader.ValueTextEquals("user_id"u8);
            reader.Read();
            if (isUserId && reader.TokenType == JsonTokenType.String)
            {
                SessionId = ClaudeCodeUserId.SessionOf(reader.GetString()!);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private void ReadThinking(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Wrong("thinking", "an object such as {\"type\":\"enabled\",\"budget_tokens\":1024}", reader.TokenType);
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isType = reader.ValueTextEquals("type"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                ThinkingEnabled = reader.ValueTextEquals("enabled"u8) || reader.ValueTextEquals("adaptive"u8);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private void ReadTools(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Wrong("tools", "an array of tool definitions", reader.TokenType);
        }

        int index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Wrong("tools[" + index.ToString(CultureInfo.InvariantCulture) + "]", "a tool object", reader.TokenType);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isTypeOrName = reader.ValueTextEquals("type"u8) || reader.ValueTextEquals("name"u8);
                reader.Read();
                if (isTypeOrName && reader.TokenType == JsonTokenType.String && reader.GetString()!.StartsWith("web_search", StringComparison.Ordinal))
                {
                    HasWebSearchTool = true;
                }
                else
                {
                    reader.Skip();
                }
            }

            index++;
        }
    }

    private void ReadMessages(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Wrong("messages", "an array of {\"role\",\"content\"} objects", reader.TokenType);
        }

        int index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            string where = "messages[" + index.ToString(CultureInfo.InvariantCulture) + "]";
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Wrong(where, "an object with \"role\" and \"content\"", reader.TokenType);
            }

            bool hasRole = false;
            bool hasContent = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("role"u8))
                {
                    reader.Read();
                    // Claude Code (2.1.x) sends "system" turns inside messages (environment notes); the API accepts them.
                    if (reader.TokenType != JsonTokenType.String || !(reader.ValueTextEquals("user"u8) || reader.ValueTextEquals("assistant"u8) || reader.ValueTextEquals("system"u8)))
                    {
                        string got = reader.TokenType == JsonTokenType.String ? "\"" + reader.GetString() + "\"" : Describe(reader.TokenType);
                        throw new AnthropicRequestException(where + ".role: must be \"user\", \"assistant\" or \"system\" (got " + got + "); put system text in the top-level \"system\" field.");
                    }

                    hasRole = true;
                }
                else if (reader.ValueTextEquals("content"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        ReadContentBlocks(ref reader, where + ".content");
                    }
                    else if (reader.TokenType != JsonTokenType.String)
                    {
                        throw Wrong(where + ".content", "a string or an array of content blocks", reader.TokenType);
                    }

                    hasContent = true;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (!hasRole)
            {
                throw new AnthropicRequestException(where + ".role: field required (\"user\", \"assistant\" or \"system\").");
            }

            if (!hasContent)
            {
                throw new AnthropicRequestException(where + ".content: field required (a string or an array of content blocks).");
            }

            index++;
        }

        if (index == 0)
        {
            throw new AnthropicRequestException("messages: at least one message is required.");
        }

        HasMessages = true;
    }

    private static void ReadContentBlocks(ref Utf8JsonReader reader, string where)
    {
        int index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            string blockWhere = where + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Wrong(blockWhere, "a content block object with a \"type\"", reader.TokenType);
            }

            bool hasType = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw Wrong(blockWhere + ".type", "a string", reader.TokenType);
                    }

                    hasType = true;
                }
                else
                {
                    reader.Skip();
                }
            }

            if (!hasType)
            {
                throw new AnthropicRequestException(blockWhere + ".type: field required (\"text\", \"image\", \"tool_use\", \"tool_result\"...).");
            }

            index++;
        }
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType expected, string field, string what)
    {
        if (reader.TokenType != expected)
        {
            throw Wrong(field, what, reader.TokenType);
        }
    }

    private static AnthropicRequestException Wrong(string field, string what, JsonTokenType got) =>
        new(field + ": must be " + what + " (got " + Describe(got) + ").");

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
