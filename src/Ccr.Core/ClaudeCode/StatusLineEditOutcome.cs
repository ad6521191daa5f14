namespace Ccr.Core.ClaudeCode;

/// <summary>What an install or uninstall of the status line did to the settings file.</summary>
internal enum StatusLineEditOutcome
{
    /// <summary>The statusLine was written (the file or folder created when missing).</summary>
    Installed,

    /// <summary>The same statusLine was already there; the file was not touched.</summary>
    Unchanged,

    /// <summary>Ccr's statusLine was taken out.</summary>
    Removed,

    /// <summary>There was no statusLine (or no file) to take out.</summary>
    NotInstalled,

    /// <summary>The statusLine there is someone else's; it was kept.</summary>
    NotOurs,
}
