using System.Management.Automation;
using Ccr.Core.Config;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Creates or updates a preset in the config, changing only that preset's lines.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "CcrPreset", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PresetInfo))]
public sealed class SetCcrPresetCommand : CcrConfigCmdlet
{
    /// <summary>The preset's name (used in <c>/preset/{name}/v1/messages</c>).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PresetNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The route as <c>provider,model</c>; required for a new preset, optional when updating.</summary>
    [Parameter(Position = 1)]
    [RouteTransformation]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RouteCompleter))]
    public string? Route { get; set; }

    /// <summary>The temperature requests get when they do not set one.</summary>
    [Parameter]
    [ValidateRange(0.0, 2.0)]
    public double? Temperature { get; set; }

    /// <summary>The max_tokens requests get when they do not set one.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? MaxTokens { get; set; }

    /// <summary>The top_p requests get when they do not set one.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double? TopP { get; set; }

    /// <summary>The system prompt requests get when they do not send one.</summary>
    [Parameter]
    public string? System { get; set; }

    /// <summary>Writes the preset as it is after the change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Validates the change, asks ShouldProcess, then edits the file under its lock.</summary>
    protected override void ProcessRecord()
    {
        string path = ResolveConfigPath();
        CcrConfig current = LoadConfigOrThrow(path, Touches);
        PresetConfig? existing = FindPreset(current, Name);
        var change = new PresetChange
        {
            // An existing preset keeps its spelling in the file.
            Name = existing?.Name ?? Name,
            Route = Route,
            Temperature = Temperature,
            MaxTokens = MaxTokens,
            TopP = TopP,
            System = System,
        };
        ConfigEditOptions options = new() { LoadOptions = LoadOptions() };

        try
        {
            // A dry run first, so a bad route is reported with its JSON path even under -WhatIf.
            ConfigEditor.SetPreset(path, change, new ConfigEditOptions { LoadOptions = options.LoadOptions, DryRun = true });
            string action = existing is null ? $"Create preset with route {Route}" : "Update preset" + Describe(change);
            if (!ShouldProcess($"Preset '{change.Name}' in {path}", action))
            {
                return;
            }

            ConfigEditResult result = ConfigEditor.SetPreset(path, change, options);
            WriteVerbose(result.Changed ? $"Wrote {path} (previous content in {result.BackupPath})." : $"{path} already had these values; nothing written.");
            if (PassThru)
            {
                WriteObject(PresetInfo.From(result.Config.Presets[change.Name], path));
            }
        }
        catch (ConfigException ex)
        {
            WriteError(ErrorFor(ex, Name));
        }
    }

    /// <summary>
    /// Whether a finding is about this edit: the preset itself, or the provider its new route names. The rest of
    /// the file (another provider's unset key) did not change and is not this command's news.
    /// </summary>
    private bool Touches(ConfigDiagnostic finding)
    {
        string presetPath = JsonPaths.Member("$.Presets", Name);
        if (finding.JsonPath.StartsWith(presetPath, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return Route is not null
            && RouteTarget.TryParse(Route, out RouteTarget target)
            && string.Equals(finding.Provider, target.Provider, StringComparison.OrdinalIgnoreCase);
    }

    private static string Describe(PresetChange change)
    {
        var parts = new List<string>();
        if (change.Route is not null)
        {
            parts.Add("route " + change.Route);
        }

        if (change.Temperature is double t)
        {
            parts.Add("temperature " + t.ToString(global::System.Globalization.CultureInfo.InvariantCulture));
        }

        if (change.MaxTokens is int m)
        {
            parts.Add("max_tokens " + m.ToString(global::System.Globalization.CultureInfo.InvariantCulture));
        }

        if (change.TopP is double p)
        {
            parts.Add("top_p " + p.ToString(global::System.Globalization.CultureInfo.InvariantCulture));
        }

        if (change.System is not null)
        {
            parts.Add("system prompt");
        }

        return parts.Count == 0 ? " (no fields given)" : ": " + string.Join(", ", parts);
    }
}
