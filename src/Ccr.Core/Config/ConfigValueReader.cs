using System.Globalization;
using System.Text.Json;

namespace Ccr.Core.Config;

/// <summary>
/// Reads typed values (strings with <c>${VAR}</c> expansion, numbers, booleans, string lists) out of a config
/// document, tolerating the spellings and string-for-number slips of pasted configs, and records a located
/// diagnostic for each problem. The section readers derive from it and share one load's map, variables and diagnostics.
/// </summary>
internal abstract class ConfigValueReader
{
    private protected readonly string? _filePath;
    private protected readonly JsonPositionMap _map;
    private protected readonly VariableResolver _variables;
    private protected readonly List<ConfigDiagnostic> _diagnostics;

    protected ConfigValueReader(string? filePath, JsonPositionMap map, VariableResolver variables, List<ConfigDiagnostic> diagnostics)
    {
        _filePath = filePath;
        _map = map;
        _variables = variables;
        _diagnostics = diagnostics;
    }

    /// <summary>The provider whose entry is being read; diagnostics raised meanwhile carry its name.</summary>
    protected string? CurrentProvider { get; set; }


    /// <summary>Finds a member by its names in order (exact first, then case-insensitive, so claude-code-router's spellings work).</summary>
    protected static bool TryGet(JsonElement obj, string parentPath, out JsonElement value, out string path, params string[] names)
    {
        value = default;
        path = parentPath;
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (string name in names)
        {
            if (obj.TryGetProperty(name, out value))
            {
                path = JsonPaths.Member(parentPath, name);
                return true;
            }
        }

        foreach (JsonProperty property in obj.EnumerateObject())
        {
            foreach (string name in names)
            {
                if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = property.Value;
                    path = JsonPaths.Member(parentPath, property.Name);
                    return true;
                }
            }
        }

        return false;
    }

    protected string? ReadString(JsonElement root, string name) => ReadString(root, "$", name);

    protected string? ReadString(JsonElement obj, string parentPath, params string[] names) =>
        TryGet(obj, parentPath, out JsonElement value, out string path, names) ? StringValue(value, path) : null;

    protected string? StringValue(JsonElement value, string path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var missing = new List<string>();
                string expanded = _variables.Expand(value.GetString() ?? "", missing);
                foreach (string variable in missing)
                {
                    Warning("MissingVariable", path, $"Environment variable {variable} is not set, so it expands to an empty value here; set it in the environment or in .env beside the config.");
                }

                return expanded;
            case JsonValueKind.Number:
            case JsonValueKind.True:
            case JsonValueKind.False:
                return value.GetRawText();
            case JsonValueKind.Null:
                return null;
            default:
                Error("InvalidType", path, $"Expected a string here, found {Describe(value.ValueKind)}.");
                return null;
        }
    }

    protected List<string> ReadStringList(JsonElement obj, string parentPath, string name)
    {
        var list = new List<string>();
        if (!TryGet(obj, parentPath, out JsonElement value, out string path, name))
        {
            return list;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            list.Add(StringValue(value, path) ?? "");
            return list;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Error("InvalidType", path, $"{name} must be an array of strings, e.g. [\"qwen3-coder-plus\", \"qwen3-max-2026-01-23\"].");
            return list;
        }

        int index = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            string? text = StringValue(item, JsonPaths.Index(path, index++));
            if (!string.IsNullOrEmpty(text))
            {
                list.Add(text);
            }
        }

        return list;
    }

    protected bool? ReadBool(JsonElement root, string name) => ReadBool(root, "$", name);

    protected bool? ReadBool(JsonElement obj, string parentPath, params string[] names)
    {
        if (!TryGet(obj, parentPath, out JsonElement value, out string path, names))
        {
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                string text = StringValue(value, path) ?? "";
                if (bool.TryParse(text.Trim(), out bool parsed))
                {
                    Warning("BooleanAsString", path, $"\"{text}\" is a string; write {(parsed ? "true" : "false")} without quotes.");
                    return parsed;
                }

                break;
        }

        Error("InvalidType", path, $"Expected true or false here, found {Describe(value.ValueKind)}.");
        return null;
    }

    protected int? ReadInt(JsonElement root, string name, int min, int max) => ReadInt(root, "$", min, max, name);

    protected int? ReadInt(JsonElement obj, string parentPath, int min, int max, params string[] names)
    {
        long? value = ReadLongCore(obj, parentPath, min, max, names);
        return value is long v ? (int)v : null;
    }

    protected long? ReadLong(JsonElement root, string name, long min, long max) => ReadLongCore(root, "$", min, max, name);

    protected long? ReadLongCore(JsonElement obj, string parentPath, long min, long max, params string[] names)
    {
        if (!TryGet(obj, parentPath, out JsonElement value, out string path, names))
        {
            return null;
        }

        long parsed;
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (!value.TryGetInt64(out parsed))
            {
                Error("InvalidNumber", path, $"{value.GetRawText()} is not a whole number; write an integer between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}.");
                return null;
            }
        }
        else if (value.ValueKind == JsonValueKind.String)
        {
            string text = StringValue(value, path) ?? "";
            if (!long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out parsed))
            {
                Error("InvalidNumber", path, $"\"{text}\" is not a whole number; write an integer without quotes.");
                return null;
            }

            Warning("NumberAsString", path, $"\"{text}\" is a string; it is read as {parsed.ToString(CultureInfo.InvariantCulture)}, but write it without quotes.");
        }
        else if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        else
        {
            Error("InvalidType", path, $"Expected a number here, found {Describe(value.ValueKind)}.");
            return null;
        }

        if (parsed < min || parsed > max)
        {
            Error("OutOfRange", path, $"{parsed.ToString(CultureInfo.InvariantCulture)} is out of range; use a value from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
            return null;
        }

        return parsed;
    }

    protected double? ReadDouble(JsonElement obj, string parentPath, params string[] names)
    {
        if (!TryGet(obj, parentPath, out JsonElement value, out string path, names))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetDouble();
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            string text = StringValue(value, path) ?? "";
            if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed))
            {
                Warning("NumberAsString", path, $"\"{text}\" is a string; it is read as {parsed.ToString(CultureInfo.InvariantCulture)}, but write it without quotes.");
                return parsed;
            }

            Error("InvalidNumber", path, $"\"{text}\" is not a number; write e.g. 0.7 without quotes.");
            return null;
        }

        if (value.ValueKind != JsonValueKind.Null)
        {
            Error("InvalidType", path, $"Expected a number here, found {Describe(value.ValueKind)}.");
        }

        return null;
    }

    protected static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    protected static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };


    protected void Error(string code, string path, string message) => _diagnostics.Add(Diagnostic(DiagnosticSeverity.Error, code, path, message));

    protected void Warning(string code, string path, string message) => _diagnostics.Add(Diagnostic(DiagnosticSeverity.Warning, code, path, message));

    protected ConfigDiagnostic Diagnostic(DiagnosticSeverity severity, string code, string path, string message)
    {
        (int line, int column) = _map.Locate(path);
        return new ConfigDiagnostic(severity, code, message, _filePath, line, column, path) { Provider = CurrentProvider };
    }
}
