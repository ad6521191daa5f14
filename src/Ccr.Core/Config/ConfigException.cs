using System.Globalization;
using System.Text;

namespace Ccr.Core.Config;

/// <summary>A config that cannot be used (or an edit that was refused), with the diagnostics that say why.</summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates the exception from diagnostics; the message lists the errors (or all when there are none).</summary>
    public ConfigException(IReadOnlyList<ConfigDiagnostic> diagnostics)
        : base(Describe(diagnostics))
    {
        Diagnostics = diagnostics;
    }

    /// <summary>Creates the exception from one diagnostic.</summary>
    public ConfigException(ConfigDiagnostic diagnostic)
        : this(new[] { diagnostic })
    {
    }

    /// <summary>Creates the exception from one diagnostic and the exception that caused it.</summary>
    public ConfigException(ConfigDiagnostic diagnostic, Exception innerException)
        : base(Describe(new[] { diagnostic }), innerException)
    {
        Diagnostics = new[] { diagnostic };
    }

    /// <summary>Creates an exception with only a message.</summary>
    public ConfigException()
        : this(Array.Empty<ConfigDiagnostic>())
    {
    }

    /// <summary>Creates an exception with only a message.</summary>
    public ConfigException(string message)
        : base(message)
    {
        Diagnostics = Array.Empty<ConfigDiagnostic>();
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Diagnostics = Array.Empty<ConfigDiagnostic>();
    }

    /// <summary>The findings; the errors among them are why the config was refused.</summary>
    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }

    /// <summary>The first error's code (e.g. <c>InvalidRoute</c>), or null.</summary>
    public string? FirstErrorCode
    {
        get
        {
            foreach (ConfigDiagnostic d in Diagnostics)
            {
                if (d.Severity == DiagnosticSeverity.Error)
                {
                    return d.Code;
                }
            }

            return null;
        }
    }

    private static string Describe(IReadOnlyList<ConfigDiagnostic> diagnostics)
    {
        List<ConfigDiagnostic> errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        IReadOnlyList<ConfigDiagnostic> shown = errors.Count > 0 ? errors : diagnostics;
        if (shown.Count == 0)
        {
            return "The config is not valid.";
        }

        if (shown.Count == 1)
        {
            return shown[0].ToString();
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"The config has {shown.Count} problems:");
        foreach (ConfigDiagnostic d in shown)
        {
            text.AppendLine().Append("  ").Append(d.ToString());
        }

        return text.ToString();
    }
}
