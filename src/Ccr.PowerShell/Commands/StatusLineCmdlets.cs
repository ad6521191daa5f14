using System.Management.Automation;
using Ccr.Core.ClaudeCode;
using Ccr.Core.Config;

namespace Ccr.PowerShell.Commands;

/// <summary>What Install- and Uninstall-CcrStatusLine share: the scope parameter and where its settings file is.</summary>
internal static class StatusLineCmdlets
{
    /// <summary>The settings file is not JSON.</summary>
    public const string SettingsInvalidErrorId = "SettingsInvalid";

    /// <summary>The settings file or its folder could not be written.</summary>
    public const string SettingsWriteFailedErrorId = "SettingsWriteFailed";

    public static StatusLineScope ParseScope(string scope) =>
        string.Equals(scope, "Project", StringComparison.OrdinalIgnoreCase) ? StatusLineScope.Project : StatusLineScope.User;

    /// <summary>The settings file; Project is relative to the current PowerShell location, not the process directory.</summary>
    public static string SettingsPath(PSCmdlet cmdlet, StatusLineScope scope)
    {
        string folder = scope == StatusLineScope.Project
            ? cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : "";
        return StatusLineInstaller.SettingsPath(scope, folder);
    }

    /// <summary>Runs <paramref name="edit"/>; a refused or failed edit stops the cmdlet with SettingsInvalid or SettingsWriteFailed.</summary>
    public static StatusLineEdit Edit(PSCmdlet cmdlet, Func<StatusLineEdit> edit, string settings)
    {
        try
        {
            return edit();
        }
        catch (ConfigException e)
        {
            bool write = e.FirstErrorCode is "ConfigWriteFailed" or "ConfigLocked";
            cmdlet.ThrowTerminatingError(new ErrorRecord(e, write ? SettingsWriteFailedErrorId : SettingsInvalidErrorId,
                write ? ErrorCategory.WriteError : ErrorCategory.InvalidData, settings)
            {
                ErrorDetails = new ErrorDetails(e.Message)
                {
                    RecommendedAction = write
                        ? "Check that " + settings + " and its folder are writable."
                        : "Fix the JSON in " + settings + " at the line and column given, then run the command again.",
                },
            });
            throw;
        }
    }
}
