using System.Text;
using System.Text.Json.Nodes;

namespace Ccr.Core.Config;

/// <summary>
/// Changes the config file surgically (see <see cref="ConfigDocument"/>) and safely: under an exclusive
/// <c>&lt;file&gt;.lock</c> the file is re-read, edited, validated (an edit that would not load, or a preset
/// whose route names an unknown provider or model, is refused with <see cref="ConfigException"/> and the
/// file untouched), then written atomically: a temp file in the same folder, flushed to disk, the previous
/// content kept as <c>&lt;file&gt;.bak</c>, then swapped in.
/// </summary>
public static class ConfigEditor
{
    private static readonly TimeSpan s_lockRetryDelay = TimeSpan.FromMilliseconds(25);

    /// <summary>Creates or updates a preset; only the non-null fields of <paramref name="change"/> are written.</summary>
    /// <param name="configPath">The config file.</param>
    /// <param name="change">The preset and the fields to set.</param>
    /// <param name="options">Lock timeout, dry run, variable sources.</param>
    public static ConfigEditResult SetPreset(string configPath, PresetChange change, ConfigEditOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(change);
        string[] presetPath = { "Presets", change.Name };
        return Update(
            configPath,
            document =>
            {
                string routePath = document.JsonPathOf(new[] { "Presets", change.Name, "route" });
                if (change.Route is not null && !RouteTarget.TryParse(change.Route, out _))
                {
                    throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "InvalidRoute", $"'{change.Route}' is not a route; write \"provider,model\" with a provider from Providers and one of its models, e.g. \"qwen,qwen3-coder-plus\".", configPath, 0, 0, routePath));
                }

                bool exists = document.Contains(presetPath);
                if (!exists)
                {
                    if (change.Route is null)
                    {
                        throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "InvalidRoute", $"Preset '{change.Name}' does not exist yet, so it needs a route; give one such as \"qwen,qwen3-coder-plus\".", configPath, 0, 0, routePath));
                    }

                    var preset = new JsonObject { ["route"] = change.Route };
                    AddIfSet(preset, "temperature", change.Temperature);
                    AddIfSet(preset, "max_tokens", change.MaxTokens);
                    AddIfSet(preset, "top_p", change.TopP);
                    if (change.System is not null)
                    {
                        preset["system"] = change.System;
                    }

                    document.SetValue(presetPath, preset);
                    return;
                }

                SetIfGiven(document, change.Name, "route", change.Route is null ? null : JsonValue.Create(change.Route));
                SetIfGiven(document, change.Name, "temperature", change.Temperature is double t ? JsonValue.Create(t) : null);
                SetIfGiven(document, change.Name, "max_tokens", change.MaxTokens is int m ? JsonValue.Create(m) : null);
                SetIfGiven(document, change.Name, "top_p", change.TopP is double p ? JsonValue.Create(p) : null);
                SetIfGiven(document, change.Name, "system", change.System is null ? null : JsonValue.Create(change.System));
            },
            (config, document, path) => CheckPresetRoute(config, document, path, change.Name),
            options);
    }

    /// <summary>Removes a preset; <see cref="ConfigEditResult.Changed"/> is false when it was not there.</summary>
    /// <param name="configPath">The config file.</param>
    /// <param name="name">The preset's name.</param>
    /// <param name="options">Lock timeout, dry run, variable sources.</param>
    public static ConfigEditResult RemovePreset(string configPath, string name, ConfigEditOptions? options = null) =>
        RemoveValue(configPath, new[] { "Presets", name }, options);

    /// <summary>Sets any member (creating missing parent objects), e.g. <c>["Router", "default"]</c>.</summary>
    /// <param name="configPath">The config file.</param>
    /// <param name="path">Member names from the root.</param>
    /// <param name="value">The new value.</param>
    /// <param name="options">Lock timeout, dry run, variable sources.</param>
    public static ConfigEditResult SetValue(string configPath, IReadOnlyList<string> path, JsonNode? value, ConfigEditOptions? options = null) =>
        Update(configPath, document => document.SetValue(path, value), null, options);

    /// <summary>Removes any member; <see cref="ConfigEditResult.Changed"/> is false when it was not there.</summary>
    /// <param name="configPath">The config file.</param>
    /// <param name="path">Member names from the root.</param>
    /// <param name="options">Lock timeout, dry run, variable sources.</param>
    public static ConfigEditResult RemoveValue(string configPath, IReadOnlyList<string> path, ConfigEditOptions? options = null) =>
        Update(configPath, document => document.RemoveValue(path), null, options);

    /// <summary>
    /// The general form: under the lock, re-reads the file, lets <paramref name="change"/> edit the document,
    /// validates the result (plus <paramref name="validate"/>'s own errors) and writes it atomically.
    /// </summary>
    /// <param name="configPath">The config file.</param>
    /// <param name="change">Edits the document; may throw <see cref="ConfigException"/> to refuse.</param>
    /// <param name="validate">Extra checks on the edited config (config, document, file) returning diagnostics; errors refuse the edit.</param>
    /// <param name="options">Lock timeout, dry run, variable sources.</param>
    public static ConfigEditResult Update(
        string configPath,
        Action<ConfigDocument> change,
        Func<CcrConfig, ConfigDocument, string, IEnumerable<ConfigDiagnostic>>? validate = null,
        ConfigEditOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configPath);
        ArgumentNullException.ThrowIfNull(change);
        options ??= new ConfigEditOptions();
        string path = Path.GetFullPath(configPath);
        using FileStream editLock = AcquireLock(path, options.LockTimeout);

        byte[] original;
        try
        {
            original = AtomicFile.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "ConfigNotFound", ConfigLoader.NotFoundAdvice, path, 0, 0, "$"), ex);
        }

        Encoding encoding = EncodingOf(original, out int preambleLength);
        string text = encoding.GetString(original, preambleLength, original.Length - preambleLength);
        ConfigDocument document = ConfigDocument.Parse(text, path);
        change(document);

        ConfigLoadResult loaded = ConfigLoader.LoadCore(document.Text, path, options.LoadOptions, out _);
        var problems = new List<ConfigDiagnostic>(loaded.Diagnostics);
        if (loaded.Config is not null && validate is not null)
        {
            problems.AddRange(validate(loaded.Config, document, path));
        }

        if (loaded.Config is null || problems.Exists(d => d.Severity == DiagnosticSeverity.Error))
        {
            throw new ConfigException(problems);
        }

        if (string.Equals(document.Text, text, StringComparison.Ordinal) || options.DryRun)
        {
            return new ConfigEditResult(path, changed: false, loaded.Config, backupPath: null);
        }

        // Written back as it came: the same encoding and the same byte-order mark (or none).
        byte[] bytes = [.. encoding.GetPreamble().AsSpan(0, preambleLength), .. encoding.GetBytes(document.Text)];
        string backup = path + ".bak";
        WriteAtomically(path, bytes, backup);
        GC.KeepAlive(editLock);
        return new ConfigEditResult(path, changed: true, loaded.Config, backup);
    }

    private static IEnumerable<ConfigDiagnostic> CheckPresetRoute(CcrConfig config, ConfigDocument document, string path, string name)
    {
        if (!config.Presets.TryGetValue(name, out PresetConfig? preset))
        {
            yield break;
        }

        (string Code, string Message)? problem = ConfigReader.DescribeRouteProblem(config, preset.Route);
        if (problem is null)
        {
            yield break;
        }

        string jsonPath = document.JsonPathOf(new[] { "Presets", name, "route" });
        JsonPositionMap map = JsonPositionMap.Build(document.Text);
        (int line, int column) = map.Locate(jsonPath);
        // At load an unknown route is a warning (the documented example must load); writing one is refused.
        yield return new ConfigDiagnostic(DiagnosticSeverity.Error, "InvalidRoute", problem.Value.Message.Replace(" Until then this route is skipped.", "", StringComparison.Ordinal) + " The file was not changed.", path, line, column, jsonPath);
    }

    private static void SetIfGiven(ConfigDocument document, string preset, string member, JsonNode? value)
    {
        if (value is not null)
        {
            document.SetValue(new[] { "Presets", preset, member }, value);
        }
    }

    private static void AddIfSet<T>(JsonObject target, string name, T? value)
        where T : struct
    {
        if (value is T set)
        {
            target[name] = JsonValue.Create(set);
        }
    }

    /// <summary>Takes <c>&lt;file&gt;.lock</c> exclusively, retrying until <paramref name="timeout"/>. The file is left in place: deleting it would race with the next writer.</summary>
    internal static FileStream AcquireLock(string path, TimeSpan timeout)
    {
        string lockPath = path + ".lock";
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException ex) when (DateTime.UtcNow < deadline && ex is not DirectoryNotFoundException)
            {
                Thread.Sleep(s_lockRetryDelay);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "ConfigLocked", $"Could not lock {lockPath} within {timeout.TotalSeconds:0.#} s: {ex.Message} Another Ccr command may be editing the config; try again.", path, 0, 0, "$"), ex);
            }
        }
    }

    /// <summary>Writes <paramref name="bytes"/> through <see cref="AtomicFile"/>: the old content copied to <paramref name="backupPath"/>, the new one renamed in, the file's permissions kept.</summary>
    internal static void WriteAtomically(string path, byte[] bytes, string backupPath)
    {
        string folder = Path.GetDirectoryName(path) ?? ".";
        try
        {
            AtomicFile.WriteAllBytes(path, bytes, backupPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "ConfigWriteFailed", $"Could not write the config: {ex.Message} The file was left as it was; check that {Path.GetFileName(path)} and {Path.GetFileName(backupPath)} in {folder} are writable files.", path, 0, 0, "$"), ex);
        }
    }

    /// <summary>
    /// The file's encoding from its byte-order mark: Windows PowerShell 5.1's <c>&gt;</c> and <c>Out-File</c> write
    /// UTF-16 LE with a mark, Notepad may write UTF-8 with one; without a mark the file is UTF-8.
    /// </summary>
    internal static Encoding EncodingOf(byte[] bytes, out int preambleLength)
    {
        ReadOnlySpan<byte> head = bytes;
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            preambleLength = 3;
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0x00, 0x00]))
        {
            preambleLength = 4;
            return new UTF32Encoding(bigEndian: false, byteOrderMark: true);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            preambleLength = 2;
            return new UnicodeEncoding(bigEndian: false, byteOrderMark: true);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            preambleLength = 2;
            return new UnicodeEncoding(bigEndian: true, byteOrderMark: true);
        }

        preambleLength = 0;
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
    }
}
