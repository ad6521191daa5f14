namespace Ccr.PowerShell;

/// <summary>What Start-CcrClaude -PassThru reports once Claude Code has exited.</summary>
public sealed class ClaudeRunInfo
{
    /// <summary>Claude Code's exit code (also in <c>$LASTEXITCODE</c>).</summary>
    public int ExitCode { get; init; }

    /// <summary>The ANTHROPIC_BASE_URL Claude Code was given.</summary>
    public string BaseUrl { get; init; } = "";

    /// <summary>The preset, or null.</summary>
    public string? Preset { get; init; }

    /// <summary>The ANTHROPIC_MODEL Claude Code was given, or null.</summary>
    public string? Model { get; init; }

    /// <summary>The program that ran.</summary>
    public string Program { get; init; } = "";

    /// <summary>How long Claude Code ran.</summary>
    public TimeSpan Duration { get; init; }
}
