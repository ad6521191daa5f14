using System.Management.Automation;
using Ccr.Core.Config;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Removes presets from the config, leaving every other line as it was.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "CcrPreset", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveCcrPresetCommand : CcrConfigCmdlet
{
    /// <summary>The presets to remove (from the pipeline too: <c>Get-CcrPreset x | Remove-CcrPreset</c>).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PresetNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Removes each named preset after ShouldProcess; a name that is not there is a PresetNotFound error.</summary>
    protected override void ProcessRecord()
    {
        string path = ResolveConfigPath();
        // Removing a preset touches nothing else, so the rest of the file's findings are only verbose.
        CcrConfig config = LoadConfigOrThrow(path, static _ => false);
        foreach (string name in Name)
        {
            PresetConfig? preset = FindPreset(config, name);
            if (preset is null)
            {
                WriteError(PresetNotFound(name, path));
                continue;
            }

            if (!ShouldProcess($"Preset '{preset.Name}' in {path}", "Remove preset"))
            {
                continue;
            }

            try
            {
                ConfigEditResult result = ConfigEditor.RemovePreset(path, preset.Name, new ConfigEditOptions { LoadOptions = LoadOptions() });
                if (!result.Changed)
                {
                    // Someone else removed it between our read and the locked edit.
                    WriteError(PresetNotFound(name, path));
                }
                else
                {
                    WriteVerbose($"Removed preset '{preset.Name}' from {path} (previous content in {result.BackupPath}).");
                }
            }
            catch (ConfigException ex)
            {
                WriteError(ErrorFor(ex, name));
            }
        }
    }
}
