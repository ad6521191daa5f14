using System.Management.Automation;
using Ccr.Core.Config;
using Ccr.Core.Presets;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Writes presets, with the providers they route to, to a file another config can import; keys become ${VAR} placeholders.</para>
/// </summary>
[Cmdlet(VerbsData.Export, "CcrPreset", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PresetExportInfo))]
public sealed class ExportCcrPresetCommand : CcrConfigCmdlet
{
    private const string FileExistsErrorId = "ExportFileExists";

    private readonly List<string> _names = new();

    /// <summary>The presets to export (wildcards allowed); pipe Get-CcrPreset to export several.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PresetNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>The file to write (JSON). Relative paths are resolved from the current location.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Refuses to overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Writes what was exported (file, presets, providers, variables).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Collects the names; the file is written once, in EndProcessing.</summary>
    protected override void ProcessRecord() => _names.AddRange(Name);

    /// <summary>Builds the export, asks ShouldProcess, writes the file atomically.</summary>
    protected override void EndProcessing()
    {
        if (_names.Count == 0)
        {
            return;
        }

        string configPath = ResolveConfigPath();
        string output = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (NoClobber && File.Exists(output))
        {
            ThrowTerminatingError(new ErrorRecord(
                new IOException($"{output} already exists and -NoClobber was given. Choose another -Path, or leave out -NoClobber to overwrite it."),
                FileExistsErrorId,
                ErrorCategory.ResourceExists,
                output));
        }

        List<string> names = ExpandWildcards(LoadConfigOrThrow(configPath, static _ => false), configPath);
        try
        {
            ConfigLoadOptions loadOptions = LoadOptions();
            PresetExportResult plan = PresetExporter.Build(configPath, names, loadOptions, output);
            if (!ShouldProcess(output, $"Export preset(s) {string.Join(", ", plan.Presets)} with provider(s) {string.Join(", ", plan.Providers)}"))
            {
                return;
            }

            PresetExportResult written = PresetExporter.Export(configPath, names, output, loadOptions);
            WriteVerbose($"Wrote {written.Path}: preset(s) {string.Join(", ", written.Presets)}, provider(s) {string.Join(", ", written.Providers)}; no key is in it"
                + (written.Variables.Count == 0 ? "." : $", the importer sets {string.Join(", ", written.Variables)}."));
            if (PassThru)
            {
                WriteObject(new PresetExportInfo
                {
                    Path = written.Path,
                    Presets = written.Presets,
                    Providers = written.Providers,
                    Variables = written.Variables,
                    SourceConfigPath = configPath,
                });
            }
        }
        catch (ConfigException ex)
        {
            if (ex.FirstErrorCode == "PresetNotFound")
            {
                ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException(ex.Message, ex), PresetNotFoundErrorId, ErrorCategory.ObjectNotFound, string.Join(", ", _names)));
            }

            ThrowTerminatingError(ErrorFor(ex, configPath));
        }
    }

    /// <summary>The names with each wildcard pattern replaced by the presets it matches; a pattern that matches none is PresetNotFound.</summary>
    private List<string> ExpandWildcards(CcrConfig config, string configPath)
    {
        var names = new List<string>();
        foreach (string name in _names)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(name))
            {
                names.Add(name);
                continue;
            }

            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            int before = names.Count;
            foreach (string preset in config.Presets.Keys)
            {
                if (pattern.IsMatch(preset))
                {
                    names.Add(preset);
                }
            }

            if (names.Count == before)
            {
                ThrowTerminatingError(PresetNotFound(name, configPath));
            }
        }

        return names;
    }
}
