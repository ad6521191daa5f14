namespace Ccr.Core.ClaudeCode;

/// <summary>Which Claude Code settings file holds the status line.</summary>
public enum StatusLineScope
{
    /// <summary><c>~/.claude/settings.json</c>: every project of the user.</summary>
    User,

    /// <summary><c>./.claude/settings.json</c> in the current folder: that project only.</summary>
    Project,
}
