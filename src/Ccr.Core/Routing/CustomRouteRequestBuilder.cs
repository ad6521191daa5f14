using System.Text;
using System.Text.Json;
using Ccr.Core.Protocol;

namespace Ccr.Core.Routing;

/// <summary>
/// Builds the <see cref="CustomRouteRequest"/> a router script sees, in one forward pass over the request body with a
/// <see cref="Utf8JsonReader"/>. Only strings the script is given are decoded; the body was validated by
/// <see cref="RequestFacts"/> before, so this pass trusts its shape and skips whatever it does not expect.
/// </summary>
internal static class CustomRouteRequestBuilder
{
    private const string WorkingDirectoryLabel = "working directory:";

    /// <summary>Claude Code adds context to user turns in blocks that start with this; they are not what the user typed.</summary>
    private const string ReminderTag = "<system-reminder>";

    public static CustomRouteRequest Build(string requestId, RequestFacts facts, ReadOnlySpan<byte> body, string scenario, string? route, int tokenCount)
    {
        string system = "";
        var tools = new List<string>();
        string lastUserText = "";
        string? projectDir = null;
        var reader = new Utf8JsonReader(body, JsonOutput.ReaderOptions);
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("system"u8))
                {
                    reader.Read();
                    system = ReadText(ref reader, skipReminders: false);
                }
                else if (reader.ValueTextEquals("tools"u8))
                {
                    reader.Read();
                    ReadToolNames(ref reader, tools);
                }
                else if (reader.ValueTextEquals("messages"u8))
                {
                    reader.Read();
                    ReadMessages(ref reader, ref lastUserText, ref projectDir);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        // The system prompt is where Claude Code writes its environment block; a "system" turn among the messages is the fallback.
        projectDir = FindWorkingDirectory(system) ?? projectDir;
        return new CustomRouteRequest(requestId, facts.Model, lastUserText, system, tools.ToArray(), facts.ThinkingEnabled, tokenCount,
            facts.SessionId, projectDir, scenario, route);
    }

    /// <summary>The path after <c>Working directory:</c> (or Claude Code's <c>Primary working directory:</c>) at the start of a line, or null.</summary>
    internal static string? FindWorkingDirectory(string text)
    {
        int from = 0;
        while (from < text.Length)
        {
            int at = text.IndexOf(WorkingDirectoryLabel, from, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                return null;
            }

            int lineStart = text.LastIndexOf('\n', Math.Max(at - 1, 0)) + 1;
            if (at == 0 || IsLabelStart(text.AsSpan(lineStart, at - lineStart)))
            {
                int valueStart = at + WorkingDirectoryLabel.Length;
                int lineEnd = text.IndexOf('\n', valueStart);
                string value = text[valueStart..(lineEnd < 0 ? text.Length : lineEnd)].Trim();
                if (value.Length > 0)
                {
                    return value;
                }
            }

            from = at + WorkingDirectoryLabel.Length;
        }

        return null;
    }

    /// <summary>What may stand on the line before the label: indentation, a list marker, or the word "Primary".</summary>
    private static bool IsLabelStart(ReadOnlySpan<char> before)
    {
        ReadOnlySpan<char> trimmed = before.Trim().TrimStart("-*").Trim();
        return trimmed.IsEmpty || trimmed.Equals("Primary", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A string, or the text of an array of blocks joined by new lines; anything else is skipped. With
    /// <paramref name="skipReminders"/>, text blocks that are Claude Code's <c>&lt;system-reminder&gt;</c> context are left out.
    /// </summary>
    private static string ReadText(ref Utf8JsonReader reader, bool skipReminders)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString() ?? "";
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return "";
        }

        string? single = null;
        StringBuilder? joined = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            string? text = null;
            bool isText = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("text"u8))
                {
                    reader.Read();
                    text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    isText = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("text"u8);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (!isText || string.IsNullOrEmpty(text) || (skipReminders && text.AsSpan().TrimStart().StartsWith(ReminderTag, StringComparison.Ordinal)))
            {
                continue;
            }

            if (single is null)
            {
                single = text;
            }
            else
            {
                joined ??= new StringBuilder(single);
                joined.Append('\n').Append(text);
            }
        }

        return joined?.ToString() ?? single ?? "";
    }

    private static void ReadToolNames(ref Utf8JsonReader reader, List<string> tools)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isName = reader.ValueTextEquals("name"u8);
                reader.Read();
                if (isName && reader.TokenType == JsonTokenType.String)
                {
                    tools.Add(reader.GetString()!);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
    }

    private static void ReadMessages(ref Utf8JsonReader reader, ref string lastUserText, ref string? projectDir)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            // Role and content may come in either order, so the text waits for the end of the message.
            string role = "";
            string text = "";
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("role"u8))
                {
                    reader.Read();
                    role = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : "";
                }
                else if (reader.ValueTextEquals("content"u8))
                {
                    reader.Read();
                    text = ReadText(ref reader, skipReminders: true);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (text.Length == 0)
            {
                continue;
            }

            if (string.Equals(role, "user", StringComparison.Ordinal))
            {
                lastUserText = text;
            }
            else if (projectDir is null && string.Equals(role, "system", StringComparison.Ordinal))
            {
                projectDir = FindWorkingDirectory(text);
            }
        }
    }
}
