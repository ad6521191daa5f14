using System.Globalization;
using Ccr.Core.Quota;
using Ccr.Core.Server;
using Ccr.Core.Usage;

namespace Ccr.Core.Dashboard;

/// <summary>
/// Reads one dashboard snapshot from a proxy's own endpoints, with its APIKEY, whichever process runs it: <c>/health</c>,
/// <c>/ccr/tiers</c> and <c>/ccr/dashboard</c> on every read (memory only on the proxy's side), and <c>/ccr/usage</c>
/// (which reads the usage store) only every <see cref="UsageInterval"/>, for the hourly pace behind the quota forecast.
/// A proxy that goes away leaves the last figures in place with a problem that says so; when it comes back, reads resume.
/// </summary>
internal sealed class DashboardFeed
{
    /// <summary>How often the usage report is asked for: its pace is an hourly figure, and reading it touches the store file.</summary>
    public static readonly TimeSpan UsageInterval = TimeSpan.FromSeconds(30);

    private readonly ProxyControlClient _client;
    private readonly TimeProvider _time;
    private IReadOnlyList<TierStatus> _tiers = Array.Empty<TierStatus>();
    private LiveReport? _live;
    private UsageReport? _usage;
    private DateTimeOffset _usageReadAt = DateTimeOffset.MinValue;

    public DashboardFeed(ProxyControlClient client, TimeProvider? time = null)
    {
        _client = client;
        _time = time ?? TimeProvider.System;
    }

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string Address => "127.0.0.1:" + _client.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads the proxy now; never throws for a proxy that is gone or refuses (see <see cref="DashboardSnapshot.Problem"/>).</summary>
    public async Task<DashboardSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        ProxyHealth? health = await _client.GetHealthAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        if (health is null)
        {
            return Snapshot(now, null, "No Ccr proxy answers on " + Address + "; waiting for it to come back (Start-CcrProxy starts one).");
        }

        ControlReply<IReadOnlyList<TierStatus>> tiers = await _client.GetTiersAsync(cancellationToken).ConfigureAwait(false);
        if (tiers.Value is null)
        {
            return Snapshot(now, health, Refusal("/ccr/tiers", tiers.Status, tiers.Error));
        }

        _tiers = tiers.Value;
        ControlReply<LiveReport> live = await _client.GetLiveAsync(cancellationToken).ConfigureAwait(false);
        if (live.Value is null)
        {
            return Snapshot(now, health, Refusal("/ccr/dashboard", live.Status, live.Error));
        }

        _live = live.Value;
        if (now - _usageReadAt >= UsageInterval)
        {
            ControlReply<UsageReport> usage = await _client.GetUsageAsync(UsageQuery.Create(now.AddHours(-1), now, UsageGrouping.Provider, now), cancellationToken).ConfigureAwait(false);

            // Without the pace the windows still show used/limit/reset; only the forecast waits for the next read.
            _usage = usage.Value ?? _usage;
            _usageReadAt = now;
        }

        return Snapshot(now, health, null);
    }

    /// <summary>Joins the tiers' live windows with the usage report's pace into one row per provider and window.</summary>
    internal static IReadOnlyList<QuotaRow> QuotaRows(IReadOnlyList<TierStatus> tiers, UsageReport? usage, DateTimeOffset now)
    {
        var rows = new List<QuotaRow>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (TierStatus tier in tiers)
        {
            if (tier.Quota.Count == 0 || !seen.Add(tier.Provider))
            {
                continue;
            }

            foreach (QuotaWindowSnapshot window in tier.Quota)
            {
                if (window.Limit is null && !window.LimitUnknown)
                {
                    // No limit on this window (a quota block that sets only some): nothing fills up, so no bar.
                    continue;
                }

                double perHour = 0;
                if (usage is not null)
                {
                    foreach (UsageQuotaWindow paced in usage.Quota)
                    {
                        if (string.Equals(paced.Provider, tier.Provider, StringComparison.OrdinalIgnoreCase) && paced.Window == window.Name)
                        {
                            perHour = paced.PerHour;
                        }
                    }
                }

                long? limit = window.LimitUnknown ? null : window.Limit;
                bool exhausted = window.IsExhausted
                    || (tier.State == TierAvailability.QuotaExhausted && string.Equals(tier.QuotaWindow, window.Name, StringComparison.Ordinal));
                rows.Add(new QuotaRow(tier.Provider, tier.TierName, window.Name, window.Used, limit, window.ResetsAt,
                    UsageQuotaWindow.Forecast(window.Used, limit, perHour, now, window.ResetsAt), exhausted));
            }
        }

        return rows;
    }

    private DashboardSnapshot Snapshot(DateTimeOffset now, ProxyHealth? health, string? problem) =>
        new(now, Address, health, _tiers, _live, QuotaRows(_tiers, _usage, now), problem);

    private string Refusal(string path, int status, string? error) => status switch
    {
        401 => "The proxy on " + Address + " refused the key (401): run Watch-CcrProxy with the -ConfigPath whose APIKEY it uses.",
        404 => "The proxy on " + Address + " has no " + path + " (an older Ccr); restart it with this version.",
        0 => "Could not read " + path + " from " + Address + " (" + error + "); retrying.",
        _ => "The proxy on " + Address + " answered " + status.ToString(CultureInfo.InvariantCulture) + " to " + path + "; retrying.",
    };
}
