using System.Management.Automation;
using Ccr.Core.Config;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Lists the presets in the config, optionally filtered by name.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "CcrPreset")]
[OutputType(typeof(PresetInfo))]
public sealed class GetCcrPresetCommand : CcrConfigCmdlet
{
    /// <summary>Preset names or wildcard patterns; all presets when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PresetNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Writes the matching presets in file order; a plain name that matches nothing is a PresetNotFound error.</summary>
    protected override void ProcessRecord()
    {
        string path = ResolveConfigPath();
        CcrConfig config = LoadConfigOrThrow(path);
        if (Name is null)
        {
            foreach (PresetConfig preset in config.Presets.Values)
            {
                WriteObject(PresetInfo.From(preset, path));
            }

            return;
        }

        foreach (string name in Name)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(name))
            {
                PresetConfig? preset = FindPreset(config, name);
                if (preset is null)
                {
                    WriteError(PresetNotFound(name, path));
                }
                else
                {
                    WriteObject(PresetInfo.From(preset, path));
                }

                continue;
            }

            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            foreach (PresetConfig preset in config.Presets.Values)
            {
                if (pattern.IsMatch(preset.Name))
                {
                    WriteObject(PresetInfo.From(preset, path));
                }
            }
        }
    }
}
