using System.Management.Automation;
using Ccr.Core.Config;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// Plumbing shared by cmdlets that read or edit the config: the <c>-ConfigPath</c> parameter (resolved
/// through the PowerShell provider, then <c>CCR_CONFIG</c>, then <c>~/.claude-code-router/config.json</c>),
/// loading with warnings surfaced, and ErrorRecords with stable ids.
/// </summary>
public abstract class CcrConfigCmdlet : PSCmdlet
{
    /// <summary>The config file does not exist.</summary>
    protected const string ConfigNotFoundErrorId = "ConfigNotFound";

    /// <summary>The config file does not load (syntax, types, validation).</summary>
    protected const string ConfigInvalidErrorId = "ConfigInvalid";

    /// <summary>A named preset is not in the config.</summary>
    protected const string PresetNotFoundErrorId = "PresetNotFound";

    /// <summary>A route is malformed or names an unknown provider or model.</summary>
    protected const string InvalidRouteErrorId = "InvalidRoute";

    /// <summary>The edited config could not be written (lock, permissions, disk).</summary>
    protected const string ConfigWriteFailedErrorId = "ConfigWriteFailed";

    /// <summary>
    /// The config file. Defaults to <c>$env:CCR_CONFIG</c>, else <c>~/.claude-code-router/config.json</c>.
    /// Relative paths are resolved from the current PowerShell location.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>The config file this invocation works on, as a full file-system path.</summary>
    protected string ResolveConfigPath()
    {
        string? explicitPath = ConfigPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ConfigPath);
        return ConfigPaths.Resolve(explicitPath);
    }

    /// <summary>Variable sources: the process environment, and <c>.env</c> in the current PowerShell location.</summary>
    protected ConfigLoadOptions LoadOptions()
    {
        string? location = null;
        try
        {
            location = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        }
        catch (PSInvalidOperationException)
        {
            // No file-system location (e.g. the current drive is a registry drive): use the process directory.
        }

        return new ConfigLoadOptions { WorkingDirectory = location };
    }

    /// <summary>Loads the config, writing its warnings; when it does not load, stops the cmdlet with ConfigNotFound or ConfigInvalid.</summary>
    protected CcrConfig LoadConfigOrThrow(string path)
    {
        ConfigLoadResult result = ConfigLoader.Load(path, LoadOptions());
        if (result.Config is null)
        {
            ThrowTerminatingError(ErrorFor(new ConfigException(result.Diagnostics), path));
        }

        foreach (ConfigDiagnostic warning in result.Diagnostics)
        {
            // Unusable routes show in Get-CcrTier's State column; repeating them on every call is noise.
            if (warning.Code is "UnknownProvider" or "UnknownModel")
            {
                WriteVerbose(warning.ToString());
            }
            else
            {
                WriteWarning(warning.ToString());
            }
        }

        return result.Config!;
    }

    /// <summary>An ErrorRecord for a refused load or edit, with the id and category its first error calls for.</summary>
    protected static ErrorRecord ErrorFor(ConfigException exception, object? target)
    {
        ArgumentNullException.ThrowIfNull(exception);
        (string id, ErrorCategory category) = exception.FirstErrorCode switch
        {
            "ConfigNotFound" => (ConfigNotFoundErrorId, ErrorCategory.ObjectNotFound),
            "InvalidRoute" => (InvalidRouteErrorId, ErrorCategory.InvalidArgument),
            "ConfigWriteFailed" or "ConfigLocked" => (ConfigWriteFailedErrorId, ErrorCategory.WriteError),
            _ => (ConfigInvalidErrorId, ErrorCategory.InvalidData),
        };
        var record = new ErrorRecord(exception, id, category, target);
        ConfigDiagnostic? first = exception.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
        if (first is not null)
        {
            record.ErrorDetails = new ErrorDetails(exception.Message)
            {
                RecommendedAction = first.Line > 0
                    ? $"Edit {first.FilePath} at line {first.Line}, column {first.Column} ({first.JsonPath})."
                    : $"Check {first.JsonPath} in {first.FilePath}.",
            };
        }

        return record;
    }

    /// <summary>A PresetNotFound error for <paramref name="name"/>.</summary>
    protected static ErrorRecord PresetNotFound(string name, string path) => new(
        new ItemNotFoundException($"There is no preset '{name}' in {path}. Run Get-CcrPreset to list the presets, or create it with Set-CcrPreset -Name {name} -Route <provider,model>."),
        PresetNotFoundErrorId,
        ErrorCategory.ObjectNotFound,
        name);

    /// <summary>Finds a preset by name, exactly first, then ignoring case (as PowerShell users type names).</summary>
    protected static PresetConfig? FindPreset(CcrConfig config, string name)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Presets.TryGetValue(name, out PresetConfig? exact))
        {
            return exact;
        }

        return config.Presets.Values.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
    }
}
