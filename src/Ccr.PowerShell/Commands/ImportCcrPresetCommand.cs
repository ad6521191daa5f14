using System.Management.Automation;
using Ccr.Core.Config;
using Ccr.Core.Presets;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Merges presets from an Export-CcrPreset file into the config, changing only the lines it adds.</para>
/// </summary>
[Cmdlet(VerbsData.Import, "CcrPreset", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PresetImportInfo))]
public sealed class ImportCcrPresetCommand : CcrConfigCmdlet
{
    private const string PresetExistsErrorId = "PresetExists";
    private const string InvalidExportErrorId = "InvalidPresetExport";

    /// <summary>The file Export-CcrPreset wrote.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Only these presets of the file; all of them by default.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Replaces presets of the same name instead of refusing the import.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Writes one object per imported preset.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Checks the import (dry run), asks ShouldProcess, then merges it under the config's lock.</summary>
    protected override void ProcessRecord()
    {
        string configPath = ResolveConfigPath();
        string exportPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        var options = new PresetImportOptions { Names = Name, Force = Force, LoadOptions = LoadOptions() };
        try
        {
            // A dry run first: a clash or a bad route is reported the same way under -WhatIf, and the question names what will change.
            PresetImportResult plan = PresetImporter.Import(configPath, exportPath, new PresetImportOptions { Names = Name, Force = Force, LoadOptions = options.LoadOptions, DryRun = true });
            if (!ShouldProcess(configPath, Describe(plan)))
            {
                return;
            }

            PresetImportResult result = PresetImporter.Import(configPath, exportPath, options);
            WriteVerbose(result.Edit.Changed ? $"Wrote {configPath} (previous content in {result.Edit.BackupPath})." : $"{configPath} already held these presets; nothing written.");
            Report(result, configPath);
        }
        catch (ConfigException ex)
        {
            WriteError(ex.FirstErrorCode switch
            {
                "PresetExists" => new ErrorRecord(ex, PresetExistsErrorId, ErrorCategory.ResourceExists, configPath),
                "InvalidPresetExport" => new ErrorRecord(ex, InvalidExportErrorId, ErrorCategory.InvalidData, exportPath),
                "PresetNotFound" => new ErrorRecord(ex, PresetNotFoundErrorId, ErrorCategory.ObjectNotFound, exportPath),
                _ => ErrorFor(ex, configPath),
            });
        }
    }

    private void Report(PresetImportResult result, string configPath)
    {
        string envFile = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(configPath) ?? ".", ".env");
        foreach (ImportedProvider provider in result.Providers)
        {
            if (provider.Added)
            {
                if (provider.UnsetVariables.Count > 0)
                {
                    string first = provider.UnsetVariables[0];
                    string names = string.Join(", ", provider.UnsetVariables);
                    string skipped = provider.KeyVariable is not null && provider.UnsetVariables.Contains(provider.KeyVariable) ? " until then it is skipped." : " until then those values are empty.";
                    WriteWarning($"Added provider '{provider.Name}', whose entry refers to {names}, not set yet;{skipped} Set each with $env:{first} = '<value>' (or in your profile), or put {first}=<value> in {envFile}.");
                }
                else
                {
                    WriteVerbose($"Added provider '{provider.Name}'.");
                }
            }
            else if (provider.BaseUrlDiffers)
            {
                WriteWarning($"Kept this config's own provider '{provider.Name}' ({provider.TargetBaseUrl}); the export's points at {provider.ExportBaseUrl}, so the imported preset(s) use this config's endpoint and key.");
            }
            else
            {
                WriteVerbose($"Kept this config's own provider '{provider.Name}'.");
            }
        }

        if (!PassThru)
        {
            return;
        }

        foreach (string name in result.Presets)
        {
            PresetConfig? preset = FindPreset(result.Edit.Config, name);
            string route = preset?.Route.ToString() ?? "";
            ImportedProvider? provider = null;
            foreach (ImportedProvider candidate in result.Providers)
            {
                if (preset is not null && string.Equals(candidate.Name, preset.Route.Provider, StringComparison.OrdinalIgnoreCase))
                {
                    provider = candidate;
                }
            }

            WriteObject(new PresetImportInfo
            {
                Name = preset?.Name ?? name,
                Route = route,
                Replaced = result.Replaced.Contains(name),
                Provider = provider is null ? "" : provider.Added ? "Added" : "Kept",
                KeyVariable = provider?.KeyVariable,
                ConfigPath = configPath,
            });
        }
    }

    private static string Describe(PresetImportResult plan)
    {
        var parts = new List<string>();
        foreach (string name in plan.Presets)
        {
            parts.Add((plan.Replaced.Contains(name) ? "replace preset " : "add preset ") + name);
        }

        foreach (ImportedProvider provider in plan.Providers)
        {
            if (provider.Added)
            {
                parts.Add("add provider " + provider.Name);
            }
        }

        return "Import: " + string.Join(", ", parts);
    }
}
