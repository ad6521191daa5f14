using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ccr.Core.Config;

/// <summary>
/// The config file's text, edited in place: setting or removing a member rewrites only that member's
/// characters (and the comma that separates it), so comments, member order, indentation and line endings
/// elsewhere stay byte-for-byte. New members go after the last member of their object, indented like
/// their siblings, with the file's line ending.
/// </summary>
public sealed class ConfigDocument
{
    private static readonly JsonSerializerOptions s_valueOptions = new()
    {
        // Keep non-ASCII text (system prompts) readable in the file.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private JsonPositionMap _map;

    private ConfigDocument(string text)
    {
        _map = JsonPositionMap.Build(text);
        NewLine = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        IndentUnit = DetectIndentUnit(_map);
    }

    /// <summary>The current text (without a BOM).</summary>
    public string Text => _map.Text;

    /// <summary>The line ending new lines use: the file's own (CRLF when it has any), else LF.</summary>
    public string NewLine { get; }

    /// <summary>One level of indentation as the file writes it (its first indented member), else two spaces.</summary>
    public string IndentUnit { get; }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="ConfigException"/> (SyntaxError, with line and column) when it is not JSON.</summary>
    /// <param name="text">The config text without a BOM.</param>
    /// <param name="filePath">The file, for the diagnostic.</param>
    public static ConfigDocument Parse(string text, string? filePath = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return new ConfigDocument(text);
        }
        catch (JsonSyntaxException ex)
        {
            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "SyntaxError", ex.Message + " Fix the JSON there before editing.", filePath, ex.Line, ex.Column, "$"), ex);
        }
    }

    /// <summary>True when the member at <paramref name="path"/> exists (names matched exactly, then ignoring case).</summary>
    /// <param name="path">Member names from the root, e.g. <c>["Presets", "coding_qwen"]</c>.</param>
    public bool Contains(IReadOnlyList<string> path) => Resolve(path, out _) == path.Count;

    /// <summary>The JSON path of <paramref name="path"/> as it is (or would be) spelled in the file, e.g. <c>$.Presets.coding_qwen</c>.</summary>
    /// <param name="path">Member names from the root.</param>
    public string JsonPathOf(IReadOnlyList<string> path)
    {
        int found = Resolve(path, out string resolved);
        for (int i = found; i < path.Count; i++)
        {
            resolved = JsonPaths.Member(resolved, path[i]);
        }

        return resolved;
    }

    /// <summary>
    /// Sets the member at <paramref name="path"/>: replaces its value when it exists, else adds it (and any
    /// missing parent objects, e.g. <c>Presets</c>) after the last member of the nearest existing object.
    /// </summary>
    /// <param name="path">Member names from the root.</param>
    /// <param name="value">The new value (null writes JSON null).</param>
    public void SetValue(IReadOnlyList<string> path, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Count == 0)
        {
            throw new ArgumentException("The path must name at least one member.", nameof(path));
        }

        if (value?.Parent is not null)
        {
            value = value.DeepClone();
        }

        int found = Resolve(path, out string resolved);
        JsonSpan span = _map.Find(resolved)!;
        if (found == path.Count)
        {
            string indent = LineIndent(span.NameStart >= 0 ? span.NameStart : span.ValueStart);
            Apply(new Edit(span.ValueStart, span.ValueEnd, Serialize(value, indent, multiLine: true)));
            return;
        }

        if (span.Kind != JsonTokenType.StartObject)
        {
            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "InvalidType", $"{resolved} is not an object, so '{path[found]}' cannot be added to it; make it an object first.", null, _map.LineColumn(span.ValueStart).Line, _map.LineColumn(span.ValueStart).Column, resolved));
        }

        JsonNode? newValue = value;
        for (int i = path.Count - 1; i > found; i--)
        {
            newValue = new JsonObject { [path[i]] = newValue };
        }

        InsertMember(span, path[found], newValue);
    }

    /// <summary>Removes the member at <paramref name="path"/> with its separating comma; false when it is not there.</summary>
    /// <param name="path">Member names from the root.</param>
    public bool RemoveValue(IReadOnlyList<string> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Count == 0 || Resolve(path, out string resolved) != path.Count)
        {
            return false;
        }

        RemoveSpan(resolved, ParentPath(path));
        return true;
    }

    #region Arrays and JSON paths

    /// <summary>The JSON paths of the elements of the array at <paramref name="path"/>, in file order; empty when it is missing or not an array.</summary>
    /// <param name="path">Member names from the root, e.g. <c>["Router", "tiers"]</c>.</param>
    public IReadOnlyList<string> ElementsOf(IReadOnlyList<string> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Resolve(path, out string resolved) != path.Count)
        {
            return Array.Empty<string>();
        }

        JsonSpan span = _map.Find(resolved)!;
        return span.Kind == JsonTokenType.StartArray ? span.Children.ToArray() : Array.Empty<string>();
    }

    /// <summary>The value at <paramref name="jsonPath"/> (as <see cref="ElementsOf"/> or <see cref="JsonPathOf"/> give it), parsed; null when there is none.</summary>
    /// <param name="jsonPath">A JSON path in this document, e.g. <c>$.Providers[0]</c>.</param>
    public JsonNode? ValueAt(string jsonPath)
    {
        JsonSpan? span = _map.Find(jsonPath);
        if (span is null)
        {
            return null;
        }

        return JsonNode.Parse(Text[span.ValueStart..span.ValueEnd], documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
    }

    /// <summary>The JSON path of member <paramref name="name"/> of the object at <paramref name="objectPath"/> (exact name, then ignoring case), or null.</summary>
    /// <param name="objectPath">A JSON path of an object in this document.</param>
    /// <param name="name">The member's name.</param>
    public string? MemberPath(string objectPath, string name)
    {
        JsonSpan? span = _map.Find(objectPath);
        return span is null || span.Kind != JsonTokenType.StartObject ? null : FindMember(span, name);
    }

    /// <summary>Sets member <paramref name="name"/> of the object at <paramref name="objectPath"/>: replaces its value in place, or adds it after the last member.</summary>
    /// <param name="objectPath">A JSON path of an object in this document (an array element such as <c>$.Providers[1]</c> included).</param>
    /// <param name="name">The member's name.</param>
    /// <param name="value">The new value.</param>
    public void SetMember(string objectPath, string name, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(objectPath);
        ArgumentNullException.ThrowIfNull(name);
        JsonSpan obj = _map.Find(objectPath) ?? throw new ArgumentException($"{objectPath} is not in the document.", nameof(objectPath));
        if (obj.Kind != JsonTokenType.StartObject)
        {
            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "InvalidType", $"{objectPath} is not an object, so '{name}' cannot be set in it; make it an object first.", null, _map.LineColumn(obj.ValueStart).Line, _map.LineColumn(obj.ValueStart).Column, objectPath));
        }

        if (value?.Parent is not null)
        {
            value = value.DeepClone();
        }

        string? existing = FindMember(obj, name);
        if (existing is not null)
        {
            JsonSpan span = _map.Find(existing)!;
            Apply(new Edit(span.ValueStart, span.ValueEnd, Serialize(value, LineIndent(span.NameStart), multiLine: true)));
            return;
        }

        InsertMember(obj, name, value);
    }

    /// <summary>
    /// Inserts <paramref name="value"/> into the array at <paramref name="arrayPath"/> so that it becomes element
    /// <paramref name="index"/> (at the end when <paramref name="index"/> is the count or more); an element on its
    /// own line gets a line of its own, an element in a one-line array stays on that line.
    /// </summary>
    /// <param name="arrayPath">A JSON path of an array in this document.</param>
    /// <param name="index">The new element's position.</param>
    /// <param name="value">The element.</param>
    public void InsertElement(string arrayPath, int index, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(arrayPath);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        JsonSpan array = _map.Find(arrayPath) ?? throw new ArgumentException($"{arrayPath} is not in the document.", nameof(arrayPath));
        if (array.Kind != JsonTokenType.StartArray)
        {
            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "InvalidType", $"{arrayPath} is not an array; make it a list [ ... ] first.", null, _map.LineColumn(array.ValueStart).Line, _map.LineColumn(array.ValueStart).Column, arrayPath));
        }

        if (value?.Parent is not null)
        {
            value = value.DeepClone();
        }

        if (index >= array.Children.Count)
        {
            InsertMember(array, null, value);
            return;
        }

        JsonSpan target = _map.Find(array.Children[index])!;
        int start = target.ValueStart;
        int lineStart = LineStart(start);
        if (IsBlank(Text, lineStart, start))
        {
            string indent = Text[lineStart..start];
            Apply(new Edit(lineStart, lineStart, indent + Serialize(value, indent, multiLine: true) + "," + NewLine));
        }
        else
        {
            Apply(new Edit(start, start, Serialize(value, "", multiLine: false) + ", "));
        }
    }

    /// <summary>Removes the member or array element at <paramref name="jsonPath"/> with its separating comma; false when it is not there.</summary>
    /// <param name="jsonPath">A JSON path in this document, e.g. <c>$.Router.tiers[2]</c>.</param>
    public bool RemoveAt(string jsonPath)
    {
        ArgumentNullException.ThrowIfNull(jsonPath);
        string? parent = ParentOf("$", jsonPath);
        if (parent is null)
        {
            return false;
        }

        RemoveSpan(jsonPath, parent);
        return true;
    }

    private string? FindMember(JsonSpan obj, string name)
    {
        string? match = null;
        foreach (string child in obj.Children)
        {
            string? childName = _map.Find(child)?.Name;
            if (string.Equals(childName, name, StringComparison.Ordinal))
            {
                return child;
            }

            if (match is null && string.Equals(childName, name, StringComparison.OrdinalIgnoreCase))
            {
                match = child;
            }
        }

        return match;
    }

    private string? ParentOf(string from, string jsonPath)
    {
        JsonSpan? span = _map.Find(from);
        if (span is null)
        {
            return null;
        }

        foreach (string child in span.Children)
        {
            if (child == jsonPath)
            {
                return from;
            }

            if (jsonPath.StartsWith(child, StringComparison.Ordinal) && ParentOf(child, jsonPath) is string found)
            {
                return found;
            }
        }

        return null;
    }

    #endregion

    private void RemoveSpan(string resolved, string parentPath)
    {
        JsonSpan span = _map.Find(resolved)!;
        JsonSpan parent = _map.Find(parentPath)!;
        int index = parent.Children.IndexOf(resolved);
        string text = Text;
        int start = span.NameStart >= 0 ? span.NameStart : span.ValueStart;
        int afterValue = span.ValueEnd;
        int next = SkipTrivia(afterValue);
        bool ownsLine = IsBlank(text, LineStart(start), start);

        if (next < text.Length && text[next] == ',')
        {
            int end = next + 1;
            Apply(ownsLine ? new Edit(LineStart(start), ThroughLineEnd(end), "") : new Edit(start, SkipSpaces(end), ""));
            return;
        }

        if (index > 0)
        {
            JsonSpan previous = _map.Find(parent.Children[index - 1])!;
            int comma = SkipTrivia(previous.ValueEnd);
            if (IsBlank(text, comma + 1, start))
            {
                // "a": 1,\n  "b": 2  ->  "a": 1 : the comma and the member go, the line break before the brace stays.
                Apply(new Edit(comma, afterValue, ""));
                return;
            }

            // Comments sit between the comma and the member: drop the comma and the member's own lines only.
            Edit member = ownsLine ? new Edit(LineStart(start), ThroughLineEnd(afterValue), "") : new Edit(start, afterValue, "");
            Apply(member, new Edit(comma, comma + 1, ""));
            return;
        }

        Apply(ownsLine ? new Edit(LineStart(start), ThroughLineEnd(afterValue), "") : new Edit(start, afterValue, ""));
        return;
    }

    #region Insertion

    /// <summary>Adds a member (<paramref name="name"/> set) or an array element (null) after the last child of <paramref name="obj"/>.</summary>
    private void InsertMember(JsonSpan obj, string? name, JsonNode? value)
    {
        string text = Text;
        string key = name is null ? "" : JsonSerializer.Serialize(name, s_valueOptions) + ": ";
        if (obj.Children.Count == 0)
        {
            string objectIndent = LineIndent(obj.NameStart >= 0 ? obj.NameStart : obj.ValueStart);
            string memberIndent = objectIndent + IndentUnit;
            string member = key + Serialize(value, memberIndent, multiLine: true);
            int inner = obj.ValueStart + 1;
            string between = text[inner..(obj.ValueEnd - 1)];
            if (between.Contains('\n', StringComparison.Ordinal))
            {
                Apply(new Edit(inner, inner, NewLine + memberIndent + member));
            }
            else if (between.Trim().Length == 0)
            {
                Apply(new Edit(inner, obj.ValueEnd - 1, NewLine + memberIndent + member + NewLine + objectIndent));
            }
            else
            {
                Apply(new Edit(inner, inner, NewLine + memberIndent + member + NewLine + objectIndent));
            }

            return;
        }

        JsonSpan last = _map.Find(obj.Children[^1])!;
        int lastStart = last.NameStart >= 0 ? last.NameStart : last.ValueStart;
        string? siblingIndent = IsBlank(text, LineStart(lastStart), lastStart)
            ? text[LineStart(lastStart)..lastStart]
            : null;
        int afterValue = last.ValueEnd;
        int next = SkipTrivia(afterValue);
        bool trailingComma = next < text.Length && text[next] == ',';

        if (siblingIndent is null)
        {
            // A one-line object stays on one line.
            string inline = key + Serialize(value, "", multiLine: false);
            Apply(new Edit(afterValue, afterValue, ", " + inline));
            return;
        }

        string memberText = siblingIndent + key + Serialize(value, siblingIndent, multiLine: true);
        if (trailingComma)
        {
            int lineEnd = SkipInline(next + 1);
            Apply(new Edit(lineEnd, lineEnd, NewLine + memberText + ","));
            return;
        }

        int endOfLine = SkipInline(afterValue);
        if (endOfLine >= text.Length || text[endOfLine] is '\r' or '\n')
        {
            // The comma goes right after the value; a comment after it stays on its own member's line.
            Apply(new Edit(endOfLine, endOfLine, NewLine + memberText), new Edit(afterValue, afterValue, ","));
        }
        else
        {
            Apply(new Edit(afterValue, afterValue, "," + NewLine + memberText));
        }
    }

    private string Serialize(JsonNode? value, string indent, bool multiLine)
    {
        switch (value)
        {
            case null:
                return "null";
            case JsonObject obj when obj.Count == 0:
                return "{}";
            case JsonObject obj:
                {
                    var text = new StringBuilder();
                    string inner = indent + IndentUnit;
                    text.Append('{');
                    bool first = true;
                    foreach (KeyValuePair<string, JsonNode?> member in obj)
                    {
                        text.Append(first ? "" : ",");
                        text.Append(multiLine ? NewLine + inner : first ? " " : " ");
                        text.Append(JsonSerializer.Serialize(member.Key, s_valueOptions)).Append(": ");
                        text.Append(Serialize(member.Value, inner, multiLine));
                        first = false;
                    }

                    text.Append(multiLine ? NewLine + indent : " ").Append('}');
                    return text.ToString();
                }

            case JsonArray array:
                {
                    bool simple = array.All(item => item is null or JsonValue);
                    var text = new StringBuilder("[");
                    string inner = indent + IndentUnit;
                    for (int i = 0; i < array.Count; i++)
                    {
                        text.Append(i == 0 ? "" : simple || !multiLine ? ", " : ",");
                        if (!simple && multiLine)
                        {
                            text.Append(NewLine).Append(inner);
                        }

                        text.Append(Serialize(array[i], inner, multiLine));
                    }

                    if (!simple && multiLine && array.Count > 0)
                    {
                        text.Append(NewLine).Append(indent);
                    }

                    return text.Append(']').ToString();
                }

            default:
                return value.ToJsonString(s_valueOptions);
        }
    }

    #endregion

    #region Text helpers

    private readonly record struct Edit(int Start, int End, string Replacement);

    private void Apply(params Edit[] edits)
    {
        var text = new StringBuilder(Text);
        foreach (Edit edit in edits.OrderByDescending(e => e.Start))
        {
            text.Remove(edit.Start, edit.End - edit.Start).Insert(edit.Start, edit.Replacement);
        }

        _map = JsonPositionMap.Build(text.ToString());
    }

    /// <summary>How many leading segments exist; <paramref name="resolved"/> is the JSON path of the deepest one found.</summary>
    private int Resolve(IReadOnlyList<string> path, out string resolved)
    {
        resolved = "$";
        for (int i = 0; i < path.Count; i++)
        {
            JsonSpan? current = _map.Find(resolved);
            if (current is null || current.Kind != JsonTokenType.StartObject)
            {
                return i;
            }

            string? match = null;
            foreach (string child in current.Children)
            {
                string? childName = _map.Find(child)?.Name;
                if (string.Equals(childName, path[i], StringComparison.Ordinal))
                {
                    match = child;
                    break;
                }

                if (match is null && string.Equals(childName, path[i], StringComparison.OrdinalIgnoreCase))
                {
                    // claude-code-router's spellings ("presets") are the same member to the loader.
                    match = child;
                }
            }

            if (match is null)
            {
                return i;
            }

            resolved = match;
        }

        return path.Count;
    }

    private string ParentPath(IReadOnlyList<string> path)
    {
        Resolve(path.Take(path.Count - 1).ToArray(), out string parent);
        return parent;
    }

    private int LineStart(int offset)
    {
        int newline = offset == 0 ? -1 : Text.LastIndexOf('\n', offset - 1);
        return newline + 1;
    }

    private string LineIndent(int offset)
    {
        string text = Text;
        int start = LineStart(offset);
        int end = start;
        while (end < text.Length && text[end] is ' ' or '\t')
        {
            end++;
        }

        return text[start..end];
    }

    private static bool IsBlank(string text, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            if (!char.IsWhiteSpace(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private int SkipSpaces(int offset)
    {
        string text = Text;
        while (offset < text.Length && text[offset] is ' ' or '\t')
        {
            offset++;
        }

        return offset;
    }

    /// <summary>Skips spaces and comments on the same line; stops at the line break (or other content).</summary>
    private int SkipInline(int offset)
    {
        string text = Text;
        while (offset < text.Length)
        {
            char c = text[offset];
            if (c is ' ' or '\t')
            {
                offset++;
            }
            else if (c == '/' && offset + 1 < text.Length && text[offset + 1] == '/')
            {
                int newline = text.IndexOf('\n', offset);
                offset = newline < 0 ? text.Length : (newline > 0 && text[newline - 1] == '\r' ? newline - 1 : newline);
                return offset;
            }
            else if (c == '/' && offset + 1 < text.Length && text[offset + 1] == '*')
            {
                int close = text.IndexOf("*/", offset + 2, StringComparison.Ordinal);
                if (close < 0 || text.AsSpan(offset, close - offset).Contains('\n'))
                {
                    return offset;
                }

                offset = close + 2;
            }
            else
            {
                return offset;
            }
        }

        return offset;
    }

    /// <summary>Skips the rest of the line (spaces, same-line comments) and its line break.</summary>
    private int ThroughLineEnd(int offset)
    {
        string text = Text;
        int end = SkipInline(offset);
        if (end < text.Length && text[end] == '\r')
        {
            end++;
        }

        if (end < text.Length && text[end] == '\n')
        {
            end++;
        }

        return end;
    }

    /// <summary>Skips whitespace and comments across lines.</summary>
    private int SkipTrivia(int offset)
    {
        string text = Text;
        while (offset < text.Length)
        {
            int inline = SkipInline(offset);
            if (inline < text.Length && text[inline] is '\r' or '\n')
            {
                offset = inline + 1;
            }
            else if (inline < text.Length && text[inline] == '/' && inline + 1 < text.Length && text[inline + 1] == '*')
            {
                int close = text.IndexOf("*/", inline + 2, StringComparison.Ordinal);
                offset = close < 0 ? text.Length : close + 2;
            }
            else
            {
                return inline;
            }
        }

        return offset;
    }

    private static string DetectIndentUnit(JsonPositionMap map)
    {
        JsonSpan? root = map.Find("$");
        if (root is not null)
        {
            foreach (string child in root.Children)
            {
                JsonSpan member = map.Find(child)!;
                int lineStart = member.NameStart == 0 ? 0 : map.Text.LastIndexOf('\n', member.NameStart - 1) + 1;
                string indent = map.Text[lineStart..member.NameStart];
                if (indent.Length > 0 && indent.Trim().Length == 0)
                {
                    return indent;
                }
            }
        }

        return "  ";
    }

    #endregion
}
