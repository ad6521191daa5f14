using System.Text;
using System.Text.Json;

namespace Ccr.Core.Config;

/// <summary>
/// One <see cref="Utf8JsonReader"/> pass over the text that records, for every value, its JSON path and
/// its span. Diagnostics use it for line and column; <see cref="ConfigDocument"/> uses it to edit in place.
/// </summary>
internal sealed class JsonPositionMap
{
    internal static readonly JsonReaderOptions s_readerOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private readonly Dictionary<string, JsonSpan> _spans = new(StringComparer.Ordinal);
    private readonly int[] _lineStarts;

    private JsonPositionMap(string text)
    {
        Text = text;
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        _lineStarts = starts.ToArray();
    }

    /// <summary>The text the map describes.</summary>
    public string Text { get; }

    /// <summary>
    /// Maps <paramref name="text"/>; throws <see cref="JsonSyntaxException"/> with a 1-based line and column
    /// when it is not valid JSON-with-comments.
    /// </summary>
    public static JsonPositionMap Build(string text)
    {
        var map = new JsonPositionMap(text);
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        int[] byteToChar = BuildByteToChar(text, utf8.Length);
        var reader = new Utf8JsonReader(utf8, s_readerOptions);
        var stack = new Stack<(JsonSpan Span, bool IsArray)>();
        string? pendingName = null;
        int pendingNameStart = -1;
        try
        {
            while (reader.Read())
            {
                int start = byteToChar[(int)reader.TokenStartIndex];
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pendingName = reader.GetString();
                        pendingNameStart = start;
                        continue;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        (JsonSpan closed, _) = stack.Pop();
                        // The record copy shares the Children list, which already holds the members.
                        map._spans[closed.Path] = closed with { ValueEnd = start + 1 };
                        continue;
                }

                string path;
                int nameStart = -1;
                string? name = null;
                if (stack.Count == 0)
                {
                    path = "$";
                }
                else if (stack.Peek().IsArray)
                {
                    JsonSpan parent = stack.Peek().Span;
                    path = JsonPaths.Index(parent.Path, parent.Children.Count);
                    parent.Children.Add(path);
                }
                else
                {
                    JsonSpan parent = stack.Peek().Span;
                    path = JsonPaths.Member(parent.Path, pendingName ?? "");
                    nameStart = pendingNameStart;
                    name = pendingName;
                    parent.Children.Add(path);
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    var open = new JsonSpan(path, nameStart, start, -1, reader.TokenType, name);
                    stack.Push((open, reader.TokenType == JsonTokenType.StartArray));
                }
                else
                {
                    int length = reader.ValueSpan.Length + (reader.TokenType == JsonTokenType.String ? 2 : 0);
                    int end = byteToChar[(int)reader.TokenStartIndex + length];
                    map._spans[path] = new JsonSpan(path, nameStart, start, end, reader.TokenType, name);
                }
            }
        }
        catch (JsonException ex)
        {
            int line = (int)(ex.LineNumber ?? 0);
            int bytesInLine = (int)(ex.BytePositionInLine ?? 0);
            throw new JsonSyntaxException(CleanMessage(ex.Message), line + 1, map.ColumnForBytes(line, bytesInLine, utf8, byteToChar), ex);
        }

        return map;
    }

    /// <summary>The span recorded for <paramref name="path"/>, or null.</summary>
    public JsonSpan? Find(string path) => _spans.TryGetValue(path, out JsonSpan? span) ? span : null;

    /// <summary>1-based line and column of a char offset.</summary>
    public (int Line, int Column) LineColumn(int offset)
    {
        int index = Array.BinarySearch(_lineStarts, offset);
        int line = index >= 0 ? index : ~index - 1;
        return (line + 1, offset - _lineStarts[line] + 1);
    }

    /// <summary>1-based line and column of the value at <paramref name="path"/>, or (0, 0) when it is not in the file.</summary>
    public (int Line, int Column) Locate(string path)
    {
        JsonSpan? span = Find(path);
        return span is null ? (0, 0) : LineColumn(span.ValueStart);
    }

    private static int[] BuildByteToChar(string text, int byteCount)
    {
        var map = new int[byteCount + 1];
        int b = 0;
        for (int c = 0; c < text.Length; c++)
        {
            int width;
            char ch = text[c];
            if (char.IsHighSurrogate(ch) && c + 1 < text.Length && char.IsLowSurrogate(text[c + 1]))
            {
                width = 4;
                for (int k = 0; k < width; k++)
                {
                    map[b + k] = c;
                }

                b += width;
                c++;
                continue;
            }

            width = ch < 0x80 ? 1 : ch < 0x800 ? 2 : 3;
            for (int k = 0; k < width; k++)
            {
                map[b + k] = c;
            }

            b += width;
        }

        map[byteCount] = text.Length;
        return map;
    }

    private int ColumnForBytes(int line, int bytesInLine, byte[] utf8, int[] byteToChar)
    {
        if (line >= _lineStarts.Length)
        {
            return bytesInLine + 1;
        }

        int lineStartChar = _lineStarts[line];
        int lineStartByte = Encoding.UTF8.GetByteCount(Text.AsSpan(0, lineStartChar));
        int target = Math.Min(lineStartByte + bytesInLine, utf8.Length);
        return byteToChar[target] - lineStartChar + 1;
    }

    private static string CleanMessage(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }
}
