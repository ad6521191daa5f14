namespace Ccr.Core.ClaudeCode;

/// <summary>The result of <see cref="StatusLineInstaller"/>: what it did, to which file, and what was there before.</summary>
/// <param name="SettingsPath">The settings file.</param>
/// <param name="Outcome">What happened (or, on a dry run, would happen).</param>
/// <param name="Command">The statusLine command now in the file (null when none).</param>
/// <param name="PreviousCommand">The statusLine command before the edit (null when none).</param>
internal sealed record StatusLineEdit(string SettingsPath, StatusLineEditOutcome Outcome, string? Command, string? PreviousCommand);
