namespace Ccr.Core.Config;

/// <summary>How bad a config finding is.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Loads, but the user should know.</summary>
    Warning,

    /// <summary>The config cannot be used.</summary>
    Error,
}
