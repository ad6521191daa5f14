using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ccr.Core.Config;

/// <summary>
/// Reads a config file (JSON with <c>//</c> and <c>/* */</c> comments and trailing commas), expands
/// <c>${VAR}</c>/<c>$VAR</c>, binds it to <see cref="CcrConfig"/> and validates it. Never throws for bad
/// content: everything wrong comes back as a <see cref="ConfigDiagnostic"/> with file, line, column and JSON path.
/// </summary>
public static class ConfigLoader
{
    /// <summary>What a missing config file's diagnostic says: how to get one.</summary>
    internal const string NotFoundAdvice =
        "The config file does not exist. Write one with New-CcrConfig -Template CodingPlan (the README's Quick start explains the file), "
        + "point this command at another with -ConfigPath <file>, or set " + ConfigPaths.ConfigVariable + " to it.";

    private static readonly JsonDocumentOptions s_documentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Loads the config file at <paramref name="path"/>.</summary>
    /// <param name="path">The config file.</param>
    /// <param name="options">Where variables come from; null for the process environment and current directory.</param>
    public static ConfigLoadResult Load(string path, ConfigLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = Path.GetFullPath(path);
        string text;
        try
        {
            text = AtomicFile.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Failed(fullPath, "ConfigNotFound", NotFoundAdvice);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Failed(fullPath, "ConfigUnreadable", $"The config file cannot be read: {ex.Message} Check its permissions and that no other program holds it open exclusively.");
        }

        return LoadFromText(text, fullPath, options);
    }

    /// <summary>Loads a config from text; <paramref name="path"/> names it in diagnostics and locates the <c>.env</c> beside it.</summary>
    /// <param name="text">The config text (a leading BOM is ignored).</param>
    /// <param name="path">The file the text came from, or null.</param>
    /// <param name="options">Where variables come from; null for the process environment and current directory.</param>
    public static ConfigLoadResult LoadFromText(string text, string? path, ConfigLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return LoadCore(text, path, options, out _);
    }

    internal static ConfigLoadResult LoadCore(string text, string? path, ConfigLoadOptions? options, out JsonPositionMap? map)
    {
        map = null;
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        if (text.Trim().Length == 0)
        {
            return Failed(path, "ConfigEmpty", "The config file is empty. Write one with New-CcrConfig -Template CodingPlan -Force, or write at least {} (the README's Quick start shows a full example).");
        }

        try
        {
            map = JsonPositionMap.Build(text);
        }
        catch (JsonSyntaxException ex)
        {
            var diagnostic = new ConfigDiagnostic(
                DiagnosticSeverity.Error,
                "SyntaxError",
                $"{ex.Message} Fix the JSON at line {ex.Line.ToString(CultureInfo.InvariantCulture)}, column {ex.Column.ToString(CultureInfo.InvariantCulture)}: keys and strings need double quotes, members are separated by commas; // and /* */ comments and trailing commas are allowed.",
                path,
                ex.Line,
                ex.Column,
                "$");
            return new ConfigLoadResult(null, new[] { diagnostic });
        }

        var diagnostics = new List<ConfigDiagnostic>();
        using JsonDocument document = JsonDocument.Parse(text, s_documentOptions);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            diagnostics.Add(new ConfigDiagnostic(DiagnosticSeverity.Error, "InvalidType", "The config must be a JSON object: { \"Providers\": [...], \"Router\": {...} }.", path, 1, 1, "$"));
            return new ConfigLoadResult(null, diagnostics);
        }

        var reader = new ConfigReader(path, map, CreateResolver(path, options), diagnostics);
        CcrConfig config = reader.Read(document.RootElement);
        if (reader.HoldsLiteralSecret && FilePermissions.ReadableByOthers(path) is string access)
        {
            diagnostics.Add(new ConfigDiagnostic(
                DiagnosticSeverity.Warning,
                "ConfigFileReadableByOthers",
                $"The config file holds a key but other users can read it ({access}). {FilePermissions.MakePrivateHint(path!)} (or move the keys to ${{VAR}} references).",
                path,
                1,
                1,
                "$"));
        }

        bool failed = diagnostics.Exists(d => d.Severity == DiagnosticSeverity.Error);
        if (failed)
        {
            return new ConfigLoadResult(null, diagnostics);
        }

        var warnings = diagnostics.ToArray();
        // A copy with every member (a record's `with`), so a key added to CcrConfig can never be dropped here.
        return new ConfigLoadResult(config with { Warnings = warnings }, warnings);
    }

    internal static VariableResolver CreateResolver(string? path, ConfigLoadOptions? options)
    {
        var dotEnvPaths = new List<string>(2);
        string? configFolder = path is null ? null : Path.GetDirectoryName(Path.GetFullPath(path));
        if (configFolder is not null)
        {
            dotEnvPaths.Add(Path.Combine(configFolder, ".env"));
        }

        dotEnvPaths.Add(Path.Combine(options?.WorkingDirectory ?? Directory.GetCurrentDirectory(), ".env"));
        return new VariableResolver(options?.Environment, dotEnvPaths, options?.IgnoreVariableCase ?? OperatingSystem.IsWindows());
    }

    private static ConfigLoadResult Failed(string? path, string code, string message) =>
        new(null, new[] { new ConfigDiagnostic(DiagnosticSeverity.Error, code, message, path, 0, 0, "$") });
}
