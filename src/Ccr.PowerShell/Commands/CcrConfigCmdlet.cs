using System.Management.Automation;
using Ccr.Core.Config;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// Plumbing shared by cmdlets that read or edit the config: the <c>-ConfigPath</c> parameter (resolved
/// through the PowerShell provider, then the config of this session's proxy, then <c>CCR_CONFIG</c>, then
/// <c>~/.claude-code-router/config.json</c>), loading with warnings surfaced, and ErrorRecords with stable ids.
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
    /// The config file. Defaults to the config of the proxy this session started (or found with Start-CcrProxy),
    /// else <c>$env:CCR_CONFIG</c>, else <c>~/.claude-code-router/config.json</c>. Relative paths are resolved from
    /// the current PowerShell location.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>The config file this invocation works on, as a full file-system path.</summary>
    protected string ResolveConfigPath()
    {
        string? explicitPath = ConfigPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ConfigPath);
        return ResolveConfigPath(explicitPath);
    }

    /// <summary>
    /// The one order every cmdlet (and completer) uses: <paramref name="explicitPath"/> (from <c>-ConfigPath</c>), the
    /// config of this session's proxy, <c>CCR_CONFIG</c>, <c>~/.claude-code-router/config.json</c>.
    /// </summary>
    internal static string ResolveConfigPath(string? explicitPath) =>
        ConfigPaths.Resolve(string.IsNullOrWhiteSpace(explicitPath) ? CcrSession.ProxyConfigPath : explicitPath);

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
    protected CcrConfig LoadConfigOrThrow(string path) => LoadConfigOrThrow(path, null);

    /// <summary>
    /// Loads the config, writing as warnings only those <paramref name="touches"/> accepts (all when null) and the
    /// rest as verbose; when it does not load, stops the cmdlet with ConfigNotFound or ConfigInvalid.
    /// </summary>
    /// <param name="path">The config file.</param>
    /// <param name="touches">For edits: whether a finding is about what this edit touches.</param>
    protected CcrConfig LoadConfigOrThrow(string path, Predicate<ConfigDiagnostic>? touches)
    {
        ConfigLoadResult result = ConfigLoader.Load(path, LoadOptions());
        if (result.Config is null)
        {
            ThrowTerminatingError(ErrorFor(new ConfigException(result.Diagnostics), path));
        }

        WriteConfigWarnings(result, touches);
        return result.Config!;
    }

    /// <summary>
    /// Writes a load's findings: as warnings those <paramref name="touches"/> accepts (all when null), the rest as
    /// verbose, so an edit of one preset does not repeat every unset key of the file.
    /// </summary>
    private void WriteConfigWarnings(ConfigLoadResult result, Predicate<ConfigDiagnostic>? touches = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach (ConfigDiagnostic warning in result.Diagnostics)
        {
            if (warning.Severity != DiagnosticSeverity.Warning)
            {
                continue;
            }

            // Unusable routes show in Get-CcrTier's State column; repeating them on every call is noise.
            if (warning.Code is "UnknownProvider" or "UnknownModel" || (touches is not null && !touches(warning)))
            {
                WriteVerbose(warning.ToString());
            }
            else
            {
                WriteWarning(warning.ToString());
            }
        }
    }

    /// <summary>For an edit of one provider: whether a finding is about that provider (its entry, or a route naming it).</summary>
    protected static Predicate<ConfigDiagnostic> AboutProvider(string? provider) =>
        finding => provider is not null && string.Equals(finding.Provider, provider, StringComparison.OrdinalIgnoreCase);

    /// <summary>For an edit of one route: whether a finding is about the provider the route names.</summary>
    protected static Predicate<ConfigDiagnostic> AboutRoute(string route) =>
        AboutProvider(RouteTarget.TryParse(route, out RouteTarget target) ? target.Provider : null);

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
        string? action = first is null ? null : RecommendedAction(first);
        if (action is not null)
        {
            record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = action };
        }

        return record;
    }

    /// <summary>
    /// Where to go to fix <paramref name="error"/>: its line, or its JSON path, or for a missing file the command that
    /// writes one. Null when the message already says it all (an empty or unreadable file).
    /// </summary>
    private static string? RecommendedAction(ConfigDiagnostic error)
    {
        if (error.Line > 0)
        {
            return $"Edit {error.FilePath} at line {error.Line}, column {error.Column} ({error.JsonPath}).";
        }

        if (error.Code == "ConfigNotFound")
        {
            return $"Run New-CcrConfig -Template CodingPlan -Path '{error.FilePath}' to write it, or pass -ConfigPath with the config you have.";
        }

        return error.JsonPath == "$" ? null : $"Edit {error.JsonPath} in {error.FilePath}.";
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
