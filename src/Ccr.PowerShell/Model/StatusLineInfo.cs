namespace Ccr.PowerShell;

/// <summary>Ccr's status line in a Claude Code settings file, as Install-CcrStatusLine -PassThru shows it.</summary>
public sealed class StatusLineInfo
{
    /// <summary>User (<c>~/.claude/settings.json</c>) or Project (<c>./.claude/settings.json</c>).</summary>
    public string Scope { get; init; } = "";

    /// <summary>The settings file.</summary>
    public string SettingsPath { get; init; } = "";

    /// <summary>The port the command posts to.</summary>
    public int Port { get; init; }

    /// <summary>The <c>statusLine.command</c> Claude Code runs after each message.</summary>
    public string Command { get; init; } = "";

    /// <summary>The command that was there before, when it was someone else's (it is kept in <c>settings.json.bak</c>).</summary>
    public string? ReplacedCommand { get; init; }

    /// <summary>The settings file.</summary>
    public override string ToString() => SettingsPath;
}
