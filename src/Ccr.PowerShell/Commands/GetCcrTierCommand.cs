using System.Globalization;
using System.Management.Automation;
using Ccr.Core.Config;
using Ccr.Core.Routing;
using Ccr.Core.Server;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Lists the Router.tiers fallback chain in priority order, with live state when a proxy runs.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "CcrTier")]
[OutputType(typeof(TierInfo))]
public sealed class GetCcrTierCommand : CcrConfigCmdlet
{
    /// <summary>Shows only what the config says, without asking a running proxy.</summary>
    [Parameter]
    public SwitchParameter Offline { get; set; }

    /// <summary>Writes one TierInfo per tier, tier 0 first.</summary>
    protected override void ProcessRecord()
    {
        string path = ResolveConfigPath();
        // An unset key is the tier's State (KeyMissing); Start-CcrProxy and Test-CcrProvider say how to set it.
        CcrConfig config = LoadConfigOrThrow(path, static finding => finding.Code != "KeyMissing");
        IReadOnlyList<RouteTarget> tiers = config.Router.Tiers;
        if (tiers.Count == 0)
        {
            WriteVerbose($"{path} has no Router.tiers; requests use Router.default only.");
        }

        (IReadOnlyList<TierStatus>? live, string? source) = Offline ? (null, null) : LiveState(config, path);
        for (int i = 0; i < tiers.Count; i++)
        {
            TierStatus? status = null;
            if (live is not null)
            {
                foreach (TierStatus candidate in live)
                {
                    if (candidate.Index == i && string.Equals(candidate.Provider, tiers[i].Provider, StringComparison.OrdinalIgnoreCase) && candidate.Model == tiers[i].Model)
                    {
                        status = candidate;
                    }
                }
            }

            WriteObject(TierInfo.From(config, i, tiers[i], status, status is null ? null : source));
        }
    }

    /// <summary>The tiers' state from a proxy in this session serving the config, else from the config's port.</summary>
    private (IReadOnlyList<TierStatus>? Tiers, string? Source) LiveState(CcrConfig config, string path)
    {
        CcrProxy? local = CcrSession.FindProxyServing(path);
        if (local is not null)
        {
            return (TierStatusReport.Build(local.Engine), "this session");
        }

        var client = new ProxyControlClient(config.Port, config.ApiKey);
        ProxyHealth? health = client.GetHealthAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
        if (health is null)
        {
            WriteVerbose(string.Create(CultureInfo.InvariantCulture, $"No Ccr proxy answers on port {config.Port}; showing the config only."));
            return (null, null);
        }

        if (!CcrSession.SamePath(health.ConfigPath, path))
        {
            WriteVerbose($"The proxy on port {config.Port} serves {health.ConfigPath}, not {path}; showing the config only.");
            return (null, null);
        }

        ControlReply<IReadOnlyList<TierStatus>> reply = client.GetTiersAsync().GetAwaiter().GetResult();
        if (reply.Value is not null)
        {
            return (reply.Value, client.BaseUrl);
        }

        WriteWarning(reply.Error is null
            ? string.Create(CultureInfo.InvariantCulture, $"The proxy on port {config.Port} answered {reply.Status} to /ccr/tiers; showing the config only.")
            : $"Could not read the live tier state from {client.TiersUrl} ({reply.Error}); showing the config only.");
        return (null, null);
    }
}
