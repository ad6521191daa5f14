using System.Text;
using System.Text.Json.Nodes;

namespace Ccr.Core.Config;

/// <summary>What an edit did.</summary>
public sealed class ConfigEditResult
{
    internal ConfigEditResult(string path, bool changed, CcrConfig config, string? backupPath)
    {
        Path = path;
        Changed = changed;
        Config = config;
        BackupPath = backupPath;
    }

    /// <summary>The config file.</summary>
    public string Path { get; }

    /// <summary>True when the file's text changed (false when the edit was a no-op, the member was absent, or a dry run).</summary>
    public bool Changed { get; }

    /// <summary>The config as the edited text loads.</summary>
    public CcrConfig Config { get; }

    /// <summary>The backup of the previous content (<c>&lt;file&gt;.bak</c>), or null when nothing was written.</summary>
    public string? BackupPath { get; }
}
