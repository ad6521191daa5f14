using System.Management.Automation;
using Ccr.Core.Config;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Puts a route into the fallback chain (Router.tiers) at a position, or moves it there, leaving every other line as it was.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "CcrTier", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(TierInfo))]
public sealed class SetCcrTierCommand : CcrConfigCmdlet
{
    /// <summary>The route, <c>provider,model</c>; the provider and the model must be in the config.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [RouteTransformation]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RouteCompleter))]
    public string Route { get; set; } = "";

    /// <summary>The tier index it should have: 0 is the primary. A new route goes last when omitted; an existing one stays where it is.</summary>
    [Parameter(Position = 1)]
    [ValidateRange(0, 1000)]
    public int? Position { get; set; }

    /// <summary>Writes the tiers as they are after the change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Checks the change with a dry run, asks ShouldProcess, then edits the file under its lock.</summary>
    protected override void ProcessRecord()
    {
        string path = ResolveConfigPath();
        LoadConfigOrThrow(path, AboutRoute(Route));
        ConfigLoadOptions load = LoadOptions();
        try
        {
            ConfigEditResult dryRun = TierEditor.SetTier(path, Route, Position, new ConfigEditOptions { LoadOptions = load, DryRun = true });
            string where = Position is int p ? $"at position {p}" : "last";
            if (ShouldProcess($"Router.tiers in {path}", $"Put {Route} {where}"))
            {
                ConfigEditResult result = TierEditor.SetTier(path, Route, Position, new ConfigEditOptions { LoadOptions = load });
                WriteVerbose(result.Changed ? $"Wrote {path} (previous content in {result.BackupPath})." : $"{Route} was already there; nothing written.");
                dryRun = result;
            }
            else
            {
                return;
            }

            if (PassThru)
            {
                IReadOnlyList<RouteTarget> tiers = dryRun.Config.Router.Tiers;
                for (int i = 0; i < tiers.Count; i++)
                {
                    WriteObject(TierInfo.From(dryRun.Config, i, tiers[i]));
                }
            }
        }
        catch (ConfigException ex)
        {
            WriteError(ex.FirstErrorCode == "InvalidPosition"
                ? new ErrorRecord(ex, "InvalidPosition", ErrorCategory.InvalidArgument, Position)
                : ErrorFor(ex, Route));
        }
    }
}
