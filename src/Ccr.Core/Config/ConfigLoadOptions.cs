using System.Globalization;
using System.Text;

namespace Ccr.Core.Config;

/// <summary>Where <see cref="ConfigLoader"/> looks for variables.</summary>
public sealed class ConfigLoadOptions
{
    /// <summary>The variables to interpolate from; null means the process environment.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>The folder whose <c>.env</c> is read after the one beside the config; null means the current directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// Whether <c>${VAR}</c> names match the environment and <c>.env</c> regardless of case; null means as the
    /// OS does (true on Windows, whose environment names are case-insensitive, false elsewhere). Tests set it.
    /// </summary>
    internal bool? IgnoreVariableCase { get; init; }
}
