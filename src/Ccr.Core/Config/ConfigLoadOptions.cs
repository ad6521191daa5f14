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
}
