using System.Globalization;
using System.Text;

namespace Ccr.Core.Config;

/// <summary>What <see cref="ConfigLoader"/> found: the config when it is usable, and every diagnostic.</summary>
public sealed class ConfigLoadResult
{
    internal ConfigLoadResult(CcrConfig? config, IReadOnlyList<ConfigDiagnostic> diagnostics)
    {
        Config = config;
        Diagnostics = diagnostics;
    }

    /// <summary>The loaded config, or null when any diagnostic is an error.</summary>
    public CcrConfig? Config { get; }

    /// <summary>Errors and warnings, in the order they were found.</summary>
    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }

    /// <summary>True when the config loaded without errors (warnings allowed).</summary>
    public bool Success => Config is not null;

    /// <summary>The errors only.</summary>
    public IEnumerable<ConfigDiagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>Returns the config, or throws <see cref="ConfigException"/> listing the errors.</summary>
    public CcrConfig GetConfigOrThrow() => Config ?? throw new ConfigException(Diagnostics);
}
