using System.Text.Json;

namespace Ccr.Core.ClaudeCode;

/// <summary>
/// Reads Claude Code's user settings (<c>~/.claude/settings.json</c>). Claude Code applies its <c>env</c>
/// over the shell's environment, so an ANTHROPIC_BASE_URL there silently bypasses the proxy, and an
/// API key there competes with the proxy's token.
/// </summary>
internal static class ClaudeSettings
{
    private static readonly JsonDocumentOptions s_options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary><c>~/.claude/settings.json</c> of the current user.</summary>
    public static string UserSettingsPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".claude", "settings.json");

    /// <summary>
    /// What in <paramref name="settingsPath"/> (default <see cref="UserSettingsPath"/>) would stop Claude Code
    /// from using the proxy at <paramref name="baseUrl"/>, one sentence per finding saying what to change;
    /// empty when the file is absent or sets nothing that conflicts.
    /// </summary>
    public static IReadOnlyList<string> FindConflicts(string baseUrl, string? settingsPath = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        string settings = settingsPath ?? UserSettingsPath;
        if (!File.Exists(settings))
        {
            return Array.Empty<string>();
        }

        var found = new List<string>();
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(settings), s_options);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("env", out JsonElement env) || env.ValueKind != JsonValueKind.Object)
            {
                return found;
            }

            if (env.TryGetProperty("ANTHROPIC_BASE_URL", out JsonElement url) && url.ValueKind == JsonValueKind.String &&
                !string.Equals(url.GetString()?.TrimEnd('/'), baseUrl, StringComparison.OrdinalIgnoreCase))
            {
                found.Add($"{settings} sets env.ANTHROPIC_BASE_URL to '{url.GetString()}', which overrides this session's {baseUrl}: Claude Code will bypass Ccr. Remove it from that file or set it to {baseUrl}.");
            }

            if (env.TryGetProperty("ANTHROPIC_API_KEY", out _))
            {
                found.Add($"{settings} sets env.ANTHROPIC_API_KEY, which conflicts with ANTHROPIC_AUTH_TOKEN; Claude Code may send that key instead of the proxy's token. Remove it from that file.");
            }
            else if (env.TryGetProperty("ANTHROPIC_AUTH_TOKEN", out _))
            {
                found.Add($"{settings} sets env.ANTHROPIC_AUTH_TOKEN, which overrides the token set for this session; make it match the proxy's APIKEY (or remove it).");
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            found.Add($"Could not read {settings} ({e.Message}) to check whether its env overrides ANTHROPIC_BASE_URL.");
        }

        return found;
    }
}
