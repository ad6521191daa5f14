using System.Management.Automation;
using Ccr.Core.ClaudeCode;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Takes Ccr's status line out of Claude Code's settings.</para>
/// <para type="description">Removes the statusLine member from ~/.claude/settings.json or ./.claude/settings.json when it is the one Install-CcrStatusLine wrote; someone else's status line is kept, with a warning.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Uninstall, "CcrStatusLine", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class UninstallCcrStatusLineCommand : PSCmdlet
{
    /// <summary>User (<c>~/.claude/settings.json</c>) or Project (<c>./.claude/settings.json</c>).</summary>
    [Parameter(Position = 0)]
    [ValidateSet("User", "Project")]
    public string Scope { get; set; } = "User";

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string settings = StatusLineCmdlets.SettingsPath(this, StatusLineCmdlets.ParseScope(Scope));
        StatusLineEdit planned = StatusLineCmdlets.Edit(this, () => StatusLineInstaller.Uninstall(settings, dryRun: true), settings);
        switch (planned.Outcome)
        {
            case StatusLineEditOutcome.NotInstalled:
                WriteVerbose($"{planned.SettingsPath} has no status line; nothing to remove.");
                return;
            case StatusLineEditOutcome.NotOurs:
                WriteWarning($"The status line in {planned.SettingsPath} is not Ccr's ('{planned.PreviousCommand}'); it was kept. Edit the file to remove it.");
                return;
        }

        if (!ShouldProcess(planned.SettingsPath, "Remove Ccr's statusLine"))
        {
            return;
        }

        StatusLineEdit done = StatusLineCmdlets.Edit(this, () => StatusLineInstaller.Uninstall(settings), settings);
        WriteVerbose($"Removed Ccr's status line from {done.SettingsPath} (previous content in {done.SettingsPath}.bak).");
    }
}
