using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ccr.Core.Config;

namespace Ccr.Core.ClaudeCode;

/// <summary>
/// Puts Ccr's <c>statusLine</c> into a Claude Code settings file and takes it out again. The edit is surgical
/// (<see cref="ConfigDocument"/>): only the <c>statusLine</c> member changes; every other setting, comment and
/// byte stays as it was. Written atomically with the previous content kept as <c>settings.json.bak</c>.
/// </summary>
internal static class StatusLineInstaller
{
    private static readonly string[] s_statusLinePath = ["statusLine"];
    private static readonly JsonDocumentOptions s_readOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The settings file for <paramref name="scope"/>: the user's, or the one under <paramref name="projectFolder"/>.</summary>
    public static string SettingsPath(StatusLineScope scope, string projectFolder) => scope == StatusLineScope.User
        ? ClaudeSettings.UserSettingsPath
        : Path.Combine(projectFolder, ".claude", "settings.json");

    /// <summary>The <c>statusLine.command</c> in <paramref name="settingsPath"/>, or null when the file or the member is absent.</summary>
    public static string? ReadCommand(string settingsPath)
    {
        if (!File.Exists(settingsPath))
        {
            return null;
        }

        (string text, _) = ReadText(settingsPath);
        return CommandIn(text, settingsPath);
    }

    /// <summary>Writes <c>{"type":"command","command":<paramref name="command"/>,"padding":0}</c> as <c>statusLine</c>, creating the file and folder when missing.</summary>
    /// <exception cref="ConfigException">The file is not JSON, or could not be written; the diagnostic says where and what to do.</exception>
    public static StatusLineEdit Install(string settingsPath, string command, bool dryRun = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(settingsPath);
        ArgumentException.ThrowIfNullOrEmpty(command);
        string path = Path.GetFullPath(settingsPath);
        bool exists = File.Exists(path);
        (string text, bool hasBom) = exists ? ReadText(path) : ("{}", false);
        string? previous = CommandIn(text, path);
        if (previous == command)
        {
            return new StatusLineEdit(path, StatusLineEditOutcome.Unchanged, command, previous);
        }

        ConfigDocument document = ConfigDocument.Parse(text, path);
        document.SetValue(s_statusLinePath, new JsonObject
        {
            ["type"] = "command",
            ["command"] = command,
            ["padding"] = 0,
        });
        if (!dryRun)
        {
            Write(path, document.Text + (exists ? "" : document.NewLine), hasBom, exists);
        }

        return new StatusLineEdit(path, StatusLineEditOutcome.Installed, command, previous);
    }

    /// <summary>Takes <c>statusLine</c> out when it is Ccr's; someone else's is kept (<see cref="StatusLineEditOutcome.NotOurs"/>).</summary>
    /// <exception cref="ConfigException">The file is not JSON, or could not be written.</exception>
    public static StatusLineEdit Uninstall(string settingsPath, bool dryRun = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(settingsPath);
        string path = Path.GetFullPath(settingsPath);
        if (!File.Exists(path))
        {
            return new StatusLineEdit(path, StatusLineEditOutcome.NotInstalled, null, null);
        }

        (string text, bool hasBom) = ReadText(path);
        ConfigDocument document = ConfigDocument.Parse(text, path);
        if (!document.Contains(s_statusLinePath))
        {
            return new StatusLineEdit(path, StatusLineEditOutcome.NotInstalled, null, null);
        }

        string? previous = CommandIn(text, path);
        if (!StatusLineCommand.IsOurs(previous))
        {
            return new StatusLineEdit(path, StatusLineEditOutcome.NotOurs, previous, previous);
        }

        document.RemoveValue(s_statusLinePath);
        if (!dryRun)
        {
            Write(path, document.Text, hasBom, exists: true);
        }

        return new StatusLineEdit(path, StatusLineEditOutcome.Removed, null, previous);
    }

    private static (string Text, bool HasBom) ReadText(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bool hasBom = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF;
        string text = new UTF8Encoding(false).GetString(bytes, hasBom ? 3 : 0, bytes.Length - (hasBom ? 3 : 0));

        // An empty file is what an editor leaves after deleting everything: treat it as no settings.
        return (text.Trim().Length == 0 ? "{}" : text, hasBom);
    }

    private static string? CommandIn(string text, string path)
    {
        try
        {
            using JsonDocument json = JsonDocument.Parse(text, s_readOptions);
            return json.RootElement.ValueKind == JsonValueKind.Object &&
                json.RootElement.TryGetProperty("statusLine", out JsonElement statusLine) &&
                statusLine.ValueKind == JsonValueKind.Object &&
                statusLine.TryGetProperty("command", out JsonElement command) &&
                command.ValueKind == JsonValueKind.String
                ? command.GetString()
                : null;
        }
        catch (JsonException)
        {
            // ConfigDocument.Parse reports it with line and column.
            ConfigDocument.Parse(text, path);
            throw;
        }
    }

    private static void Write(string path, string text, bool hasBom, bool exists)
    {
        byte[] encoded = Encoding.UTF8.GetBytes(text);
        byte[] bytes = hasBom ? [0xEF, 0xBB, 0xBF, .. encoded] : encoded;
        if (exists)
        {
            ConfigEditor.WriteAtomically(path, bytes, path + ".bak");
            return;
        }

        string folder = Path.GetDirectoryName(path)!;
        try
        {
            Directory.CreateDirectory(folder);

            // CreateNew: a file that appeared meanwhile (Claude Code writing its own) is never overwritten.
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "ConfigWriteFailed",
                "Could not create " + path + ": " + ex.Message + " Check that " + folder + " is writable, or run again if the file appeared meanwhile.", path, 0, 0, "$"), ex);
        }
    }
}
