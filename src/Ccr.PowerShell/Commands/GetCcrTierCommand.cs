using System.Management.Automation;
using Ccr.Core.Config;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Lists the Router.tiers fallback chain in priority order.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "CcrTier")]
[OutputType(typeof(TierInfo))]
public sealed class GetCcrTierCommand : CcrConfigCmdlet
{
    /// <summary>Writes one TierInfo per tier, tier 0 first.</summary>
    protected override void ProcessRecord()
    {
        string path = ResolveConfigPath();
        CcrConfig config = LoadConfigOrThrow(path);
        IReadOnlyList<RouteTarget> tiers = config.Router.Tiers;
        if (tiers.Count == 0)
        {
            WriteVerbose($"{path} has no Router.tiers; requests use Router.default only.");
        }

        for (int i = 0; i < tiers.Count; i++)
        {
            WriteObject(TierInfo.From(config, i, tiers[i]));
        }
    }
}
