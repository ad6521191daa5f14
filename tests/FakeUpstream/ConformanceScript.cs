using System.Text;
using System.Text.Json;

namespace FakeUpstream;

/// <summary>
/// Replies chosen by the upstream model name, so out-of-process clients (the node conformance suite)
/// can pick an answer without a control channel. Stateless: every decision comes from the request itself.
/// <list type="bullet">
/// <item><c>tool-then-answer</c>: with a tool result in the last message, a text answer quoting it
/// ("The tool said: ..."); otherwise, when the request offers tools, a call to <c>Bash</c> (or the first tool)
/// with the arguments written after <c>tool-args:</c> in the last user message; without tools, a text answer.</item>
/// <item><c>reasoning</c>: reasoning then text.</item>
/// <item><c>silent-thinker</c>: "tick." twice, its stream events 1.2 s apart, the silences a thinking model leaves in its stream.</item>
/// <item><c>rate-limited</c> and any name starting so: a 429 with Retry-After 120 (one name per test, since the proxy cools a tier down).</item>
/// <item><c>server-error</c>: a 500.</item>
/// <item><c>invalid-key</c>: a 401.</item>
/// <item>anything else: "Conformance answer from MODEL."</item>
/// </list>
/// </summary>
public static class ConformanceScript
{
    /// <summary>The marker a prompt uses to give the tool call's arguments, as one line of JSON.</summary>
    public const string ToolArgsMarker = "tool-args:";

    /// <summary>The prefix of the text answer that quotes a tool result.</summary>
    public const string ToolResultPrefix = "The tool said: ";

    /// <summary>Installs the conformance replies on <paramref name="server"/>.</summary>
    public static void Install(FakeUpstreamServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.Handle(Reply);
    }

    /// <summary>The reply for one request.</summary>
    public static FakeReply Reply(RecordedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string model = request.Model ?? string.Empty;
        return model switch
        {
            "tool-then-answer" => ToolThenAnswer(request),
            "reasoning" => FakeReply.Reasoning("The user wants a short answer.", "Reasoned answer."),
            "silent-thinker" => FakeReply.Stream(2, TimeSpan.FromMilliseconds(1200), "tick."),
            _ when model.StartsWith("rate-limited", StringComparison.Ordinal) => FakeReply.RateLimited(retryAfterSeconds: 120),
            "server-error" => FakeReply.ServerError(),
            "invalid-key" => FakeReply.InvalidApiKey(),
            _ => FakeReply.Text("Conformance answer from " + model + "."),
        };
    }

    private static FakeReply ToolThenAnswer(RecordedRequest request)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request.Body);
        }
        catch (JsonException)
        {
            return FakeReply.Status(400, """{"error":{"message":"The body is not JSON.","type":"invalid_request_error"}}""");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            JsonElement last = LastMessage(root);
            if (ToolResultText(last) is string result)
            {
                return FakeReply.Text(ToolResultPrefix + result.Trim());
            }

            string? tool = PickTool(root);
            if (tool is null)
            {
                return FakeReply.Text("Conformance answer from tool-then-answer (no tools offered).");
            }

            return FakeReply.ToolCall(tool, ToolArguments(last) ?? "{}", "Let me use " + tool + ".");
        }
    }

    private static JsonElement LastMessage(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty("messages", out JsonElement messages)
            && messages.ValueKind == JsonValueKind.Array
            && messages.GetArrayLength() > 0)
        {
            return messages[messages.GetArrayLength() - 1];
        }

        return default;
    }

    /// <summary>The text of an OpenAI <c>tool</c> message or of the Anthropic <c>tool_result</c> blocks in a user message; null when there is none.</summary>
    private static string? ToolResultText(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out JsonElement role))
        {
            return null;
        }

        message.TryGetProperty("content", out JsonElement content);
        if (role.ValueEquals("tool"))
        {
            return TextOf(content);
        }

        if (!role.ValueEquals("user") || content.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        StringBuilder? text = null;
        foreach (JsonElement block in content.EnumerateArray())
        {
            if (block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type", out JsonElement type) && type.ValueEquals("tool_result"))
            {
                text ??= new StringBuilder();
                text.Append(block.TryGetProperty("content", out JsonElement inner) ? TextOf(inner) : string.Empty);
            }
        }

        return text?.ToString();
    }

    private static string TextOf(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString() ?? string.Empty;
        }

        var text = new StringBuilder();
        if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement part in content.EnumerateArray())
            {
                if (part.ValueKind == JsonValueKind.String)
                {
                    text.Append(part.GetString());
                }
                else if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out JsonElement partText) && partText.ValueKind == JsonValueKind.String)
                {
                    text.Append(partText.GetString());
                }
            }
        }

        return text.ToString();
    }

    /// <summary><c>Bash</c> when offered (Claude Code), else the first tool, in either wire format.</summary>
    private static string? PickTool(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out JsonElement tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        string? first = null;
        foreach (JsonElement tool in tools.EnumerateArray())
        {
            string? name = ToolName(tool);
            if (name is null)
            {
                continue;
            }

            if (string.Equals(name, "Bash", StringComparison.Ordinal))
            {
                return name;
            }

            first ??= name;
        }

        return first;
    }

    private static string? ToolName(JsonElement tool)
    {
        if (tool.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        JsonElement holder = tool.TryGetProperty("function", out JsonElement function) && function.ValueKind == JsonValueKind.Object ? function : tool;
        return holder.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
    }

    /// <summary>The JSON after <see cref="ToolArgsMarker"/> up to the end of its line, when it parses.</summary>
    private static string? ToolArguments(JsonElement lastMessage)
    {
        if (lastMessage.ValueKind != JsonValueKind.Object || !lastMessage.TryGetProperty("content", out JsonElement content))
        {
            return null;
        }

        string text = TextOf(content);
        int at = text.LastIndexOf(ToolArgsMarker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        int start = at + ToolArgsMarker.Length;
        int end = text.IndexOf('\n', start);
        string json = (end < 0 ? text[start..] : text[start..end]).Trim();
        try
        {
            using JsonDocument _ = JsonDocument.Parse(json);
            return json;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
