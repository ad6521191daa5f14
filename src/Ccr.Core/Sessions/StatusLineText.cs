using System.Globalization;
using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Quota;
using Ccr.Core.Routing;

namespace Ccr.Core.Sessions;

/// <summary>
/// The one line Claude Code's status line shows: the <c>provider,model</c> and tier that last answered the
/// session (or, before any answer, the default route), a marker when a fallback answered, and the provider's
/// quota windows, e.g. <c>qwen,qwen3-coder-plus · ccr-qwen · 5h 412/6k ↻14:20 · wk 3.1k/45k</c>.
/// </summary>
internal static class StatusLineText
{
    private const string Separator = " · ";
    private const string Reset = "\u001b[0m";
    private const string Cyan = "\u001b[36m";
    private const string Dim = "\u001b[2m";
    private const string Yellow = "\u001b[33m";
    private const string Green = "\u001b[32m";
    private const string Red = "\u001b[31m";

    /// <summary>The line for <paramref name="sessionId"/> (null or unknown: the default route), with ANSI colour when <paramref name="color"/>.</summary>
    public static string Build(RouterEngine engine, string? sessionId, bool color)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ConfigSnapshot snapshot = engine.Snapshot;
        var line = new StringBuilder(128);
        SessionAnswer? answer = engine.Sessions.Find(sessionId);
        RouteTarget target;
        string tierName;
        if (answer is not null)
        {
            target = new RouteTarget(answer.Provider, answer.Model);
            tierName = answer.TierName;
        }
        else if (!TryDefaultRoute(snapshot.Config, out target, out tierName))
        {
            return "ccr: no route configured (set Router.default or Router.tiers)";
        }

        Paint(line, color, Cyan, target.Provider + "," + target.Model);
        line.Append(Separator);
        Paint(line, color, Dim, tierName);
        if (answer is null)
        {
            line.Append(Separator);
            Paint(line, color, Dim, "default route");
        }
        else if (answer.Fallback)
        {
            line.Append(Separator);
            Paint(line, color, Yellow, "↪ fallback");
        }

        ProviderRuntime? provider = snapshot.Find(target.Provider);
        if (provider is not null)
        {
            AppendQuota(line, engine, provider.Config, color);
        }

        return line.ToString();
    }

    /// <summary>A count as the line shows it: 412, 3.1k, 45k, 1.2M.</summary>
    internal static string Compact(long value)
    {
        if (value < 1000)
        {
            return value.ToString(CultureInfo.InvariantCulture);
        }

        if (value < 10_000)
        {
            return (Math.Floor(value / 100.0) / 10).ToString("0.#", CultureInfo.InvariantCulture) + "k";
        }

        if (value < 1_000_000)
        {
            return Math.Floor(value / 1000.0).ToString(CultureInfo.InvariantCulture) + "k";
        }

        return (Math.Floor(value / 100_000.0) / 10).ToString("0.#", CultureInfo.InvariantCulture) + "M";
    }

    private static bool TryDefaultRoute(CcrConfig config, out RouteTarget target, out string tierName)
    {
        IReadOnlyList<RouteTarget> tiers = config.Router.Tiers;
        if (config.Router.Default is RouteTarget chosen)
        {
            target = chosen;
        }
        else if (tiers.Count > 0)
        {
            target = tiers[0];
        }
        else
        {
            target = default;
            tierName = "";
            return false;
        }

        // Named as the router names it in logs: the provider's tier_name, else tier-N, else the provider.
        tierName = config.FindProvider(target.Provider)?.TierName ?? target.Provider;
        if (config.FindProvider(target.Provider)?.TierName is null)
        {
            for (int i = 0; i < tiers.Count; i++)
            {
                if (string.Equals(tiers[i].Provider, target.Provider, StringComparison.OrdinalIgnoreCase) &&
                    string.Equals(tiers[i].Model, target.Model, StringComparison.Ordinal))
                {
                    tierName = "tier-" + i.ToString(CultureInfo.InvariantCulture);
                    break;
                }
            }
        }

        return true;
    }

    private static void AppendQuota(StringBuilder line, RouterEngine engine, ProviderConfig provider, bool color)
    {
        QuotaSnapshot quota = engine.Quota.Snapshot(provider);
        TimeZoneInfo zone = engine.Time.LocalTimeZone;
        if (provider.Quota is not null)
        {
            AppendWindow(line, "5h", quota[QuotaTracker.FiveHourWindow], zone, color, showReset: true);
            AppendWindow(line, "wk", quota[QuotaTracker.WeeklyWindow], zone, color, showReset: false);
            QuotaWindowSnapshot month = quota[QuotaTracker.MonthlyWindow];
            if (month.Limit is not null)
            {
                AppendWindow(line, "mo", month, zone, color, showReset: false);
            }
        }

        if (quota.ExhaustedUntil is DateTimeOffset until)
        {
            line.Append(Separator);
            Paint(line, color, Red, "out of quota until " + Clock(until, zone, engine.Time.GetUtcNow()));
        }
    }

    private static void AppendWindow(StringBuilder line, string label, QuotaWindowSnapshot window, TimeZoneInfo zone, bool color, bool showReset)
    {
        line.Append(Separator).Append(label).Append(' ');
        string used = Compact(window.Used) + "/" + (window.Limit is int limit ? Compact(limit) : "?");
        string? shade = window.Limit is int max && max > 0
            ? (window.Used >= max ? Red : window.Used * 5 >= max * 4L ? Yellow : Green)
            : null;
        Paint(line, color, shade, used);

        // The rolling window's reset is when its oldest counted request leaves it: only meaningful once something was counted.
        if (showReset && window.Used > 0)
        {
            line.Append(" ↻").Append(Clock(window.ResetsAt, zone, null));
        }
    }

    private static string Clock(DateTimeOffset at, TimeZoneInfo zone, DateTimeOffset? now)
    {
        DateTimeOffset local = TimeZoneInfo.ConvertTime(at, zone);
        if (now is DateTimeOffset today && at - today > TimeSpan.FromHours(20))
        {
            return local.ToString("ddd HH:mm", CultureInfo.InvariantCulture);
        }

        return local.ToString("HH:mm", CultureInfo.InvariantCulture);
    }

    private static void Paint(StringBuilder line, bool color, string? code, string text)
    {
        if (color && code is not null)
        {
            line.Append(code).Append(text).Append(Reset);
        }
        else
        {
            line.Append(text);
        }
    }
}
