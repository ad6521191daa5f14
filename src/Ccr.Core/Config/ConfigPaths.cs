namespace Ccr.Core.Config;

/// <summary>
/// Where Ccr keeps its files. Everything lives under <c>~/.claude-code-router</c> (the folder both
/// claude-code-router and CCR-Rust use), or under <c>CCR_HOME</c> when that variable is set
/// (tests and portable installs).
/// </summary>
public static class ConfigPaths
{
    /// <summary>The environment variable that names the config file.</summary>
    public const string ConfigVariable = "CCR_CONFIG";

    /// <summary>The environment variable that replaces <c>~/.claude-code-router</c>.</summary>
    public const string HomeVariable = "CCR_HOME";

    /// <summary>The config file's name inside <see cref="HomeFolder"/>.</summary>
    public const string DefaultFileName = "config.json";

    /// <summary><c>~/.claude-code-router</c>, or <c>CCR_HOME</c> when set.</summary>
    public static string HomeFolder
    {
        get
        {
            string? home = Environment.GetEnvironmentVariable(HomeVariable);
            if (!string.IsNullOrWhiteSpace(home))
            {
                return Path.GetFullPath(ExpandHome(home));
            }

            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".claude-code-router");
        }
    }

    /// <summary>The routing-decision log folder (<c>logs</c> under <see cref="HomeFolder"/>).</summary>
    public static string LogFolder => Path.Combine(HomeFolder, "logs");

    /// <summary>The folder for quota counters and proxy state (<c>state</c> under <see cref="HomeFolder"/>).</summary>
    public static string StateFolder => Path.Combine(HomeFolder, "state");

    /// <summary>
    /// The config file to use: <paramref name="explicitPath"/> when given, else <c>CCR_CONFIG</c>,
    /// else <c>config.json</c> in <see cref="HomeFolder"/>. The result is a full path; the file may not exist.
    /// </summary>
    /// <param name="explicitPath">A path the user gave (already resolved by the caller's path provider), or null.</param>
    public static string Resolve(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return Path.GetFullPath(explicitPath);
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable(ConfigVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(ExpandHome(fromEnvironment));
        }

        return Path.Combine(HomeFolder, DefaultFileName);
    }

    /// <summary>
    /// Replaces a leading <c>~</c> (alone, or before <c>/</c> or <c>\</c>) with the user's home folder. A shell expands
    /// <c>~</c> only where it parses a word, so <c>CCR_HOME=~/ccr</c> in a .profile line, a quoted value or
    /// <c>$env:CCR_HOME = '~/ccr'</c> in PowerShell reaches us unexpanded; .NET would read it as a folder named <c>~</c>.
    /// <c>~user</c> is left alone: there is no portable way to look up another user's home.
    /// </summary>
    /// <param name="path">A path from the environment.</param>
    /// <param name="userHome">The home folder; null for the current user's profile folder.</param>
    public static string ExpandHome(string path, string? userHome = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path[0] != '~' || (path.Length > 1 && path[1] != '/' && path[1] != '\\'))
        {
            return path;
        }

        string home = userHome ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return path.Length <= 2 ? home : Path.Combine(home, path[2..]);
    }
}
