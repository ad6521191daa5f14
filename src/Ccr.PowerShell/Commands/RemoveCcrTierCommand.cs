using System.Management.Automation;
using Ccr.Core.Config;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Takes a route out of the fallback chain (Router.tiers), leaving every other line as it was.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "CcrTier", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveCcrTierCommand : CcrConfigCmdlet
{
    internal const string TierNotFoundErrorId = "TierNotFound";

    /// <summary>The tier's route, <c>provider,model</c>.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [RouteTransformation]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TierRouteCompleter))]
    public string Route { get; set; } = "";

    /// <summary>Removes the tier after ShouldProcess; a route that is not a tier is a TierNotFound error.</summary>
    protected override void ProcessRecord()
    {
        string path = ResolveConfigPath();
        CcrConfig config = LoadConfigOrThrow(path, AboutRoute(Route));
        bool present = RouteTarget.TryParse(Route, out RouteTarget target)
            && config.Router.Tiers.Any(t => string.Equals(t.Provider, target.Provider, StringComparison.OrdinalIgnoreCase) && t.Model == target.Model);
        if (!present)
        {
            WriteError(new ErrorRecord(
                new ItemNotFoundException($"'{Route}' is not in Router.tiers of {path}. Get-CcrTier lists the tiers."),
                TierNotFoundErrorId,
                ErrorCategory.ObjectNotFound,
                Route));
            return;
        }

        if (!ShouldProcess($"Router.tiers in {path}", $"Remove tier {Route}"))
        {
            return;
        }

        try
        {
            ConfigEditResult result = TierEditor.RemoveTier(path, Route, new ConfigEditOptions { LoadOptions = LoadOptions() });
            WriteVerbose(result.Changed ? $"Removed {Route} from Router.tiers in {path} (previous content in {result.BackupPath})." : $"{Route} was already gone.");
        }
        catch (ConfigException ex)
        {
            WriteError(ErrorFor(ex, Route));
        }
    }
}
