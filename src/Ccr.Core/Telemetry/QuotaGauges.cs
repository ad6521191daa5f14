using System.Globalization;
using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Quota;

namespace Ccr.Core.Telemetry;

/// <summary>
/// The quota windows as Prometheus gauges, read from the tracker at scrape time: used, limit (only when known) and when
/// each window resets, per provider with a <c>quota</c> or on a subscription plan.
/// </summary>
internal static class QuotaGauges
{
    /// <summary>Appends the three gauge families for <paramref name="config"/>'s quota providers.</summary>
    public static void Render(StringBuilder text, CcrConfig config, QuotaTracker tracker)
    {
        var snapshots = new List<(ProviderConfig Provider, QuotaSnapshot Snapshot)>();
        foreach (ProviderConfig provider in config.Providers)
        {
            if (provider.Quota is not null || provider.Subscription)
            {
                snapshots.Add((provider, tracker.Snapshot(provider)));
            }
        }

        Family(text, "ccr_quota_used", "Requests counted in each quota window.", snapshots, static w => w.Used);
        Family(text, "ccr_quota_limit", "Requests each quota window allows (absent while the plan is unknown).", snapshots, static w => w.Limit);
        Family(text, "ccr_quota_resets_at_seconds", "When each quota window next frees requests, as Unix time.", snapshots, static w => w.ResetsAt.ToUnixTimeSeconds());
    }

    private static void Family(StringBuilder text, string name, string help, List<(ProviderConfig Provider, QuotaSnapshot Snapshot)> snapshots, Func<QuotaWindowSnapshot, long?> value)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(" gauge\n");
        foreach ((ProviderConfig provider, QuotaSnapshot snapshot) in snapshots)
        {
            foreach (QuotaWindowSnapshot window in snapshot.Windows)
            {
                if (value(window) is not long v)
                {
                    continue;
                }

                text.Append(name).Append("{provider=\"");
                CcrMetrics.AppendLabelValue(text, provider.Name);
                text.Append("\",tier_name=\"");
                CcrMetrics.AppendLabelValue(text, provider.TierName ?? "");
                text.Append("\",window=\"").Append(window.Name).Append("\"} ").Append(v.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }
}
