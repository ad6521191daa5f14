using System.Globalization;
using Spectre.Console;

namespace Ccr.Core.Dashboard;

/// <summary>How the dashboard writes numbers, times and durations: short, invariant, and the same in every section.</summary>
internal static class DashboardText
{
    /// <summary>A latency: <c>87ms</c>, <c>1.2s</c>, <c>2m03s</c>; a dash when there is none yet.</summary>
    public static string Ms(double? milliseconds, bool unicode)
    {
        if (milliseconds is not double ms)
        {
            return unicode ? "–" : "-";
        }

        if (ms < 10)
        {
            return ms.ToString("0.0", CultureInfo.InvariantCulture) + "ms";
        }

        if (ms < 1000)
        {
            return ms.ToString("0", CultureInfo.InvariantCulture) + "ms";
        }

        if (ms < 60_000)
        {
            return (ms / 1000).ToString(ms < 10_000 ? "0.0" : "0", CultureInfo.InvariantCulture) + "s";
        }

        return Span(TimeSpan.FromMilliseconds(ms));
    }

    /// <summary>A span from now: <c>45s</c>, <c>12m</c>, <c>2h13m</c>, <c>3d04h</c>.</summary>
    public static string Span(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        if (span.TotalSeconds < 60)
        {
            return ((int)span.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        }

        if (span.TotalMinutes < 60)
        {
            return ((int)span.TotalMinutes).ToString(CultureInfo.InvariantCulture) + "m" + span.Seconds.ToString("00", CultureInfo.InvariantCulture) + "s";
        }

        if (span.TotalHours < 24)
        {
            return ((int)span.TotalHours).ToString(CultureInfo.InvariantCulture) + "h" + span.Minutes.ToString("00", CultureInfo.InvariantCulture) + "m";
        }

        return ((int)span.TotalDays).ToString(CultureInfo.InvariantCulture) + "d" + span.Hours.ToString("00", CultureInfo.InvariantCulture) + "h";
    }

    /// <summary>A clock time in <paramref name="zone"/>: <c>14:05:09</c> today, <c>Mon 14:05</c> on another day.</summary>
    public static string Clock(DateTimeOffset at, DateTimeOffset now, TimeZoneInfo zone)
    {
        DateTimeOffset local = TimeZoneInfo.ConvertTime(at, zone);
        DateTimeOffset today = TimeZoneInfo.ConvertTime(now, zone);
        return local.Date == today.Date
            ? local.ToString("HH:mm:ss", CultureInfo.InvariantCulture)
            : local.ToString("ddd HH:mm", CultureInfo.InvariantCulture);
    }

    /// <summary>A count with thousands separators.</summary>
    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>The name a window goes by on screen.</summary>
    public static string Window(string window) => window switch
    {
        "FiveHour" => "5h",
        "Weekly" => "weekly",
        "Monthly" => "monthly",
        _ => window,
    };

    /// <summary>Text for markup, with its brackets escaped.</summary>
    public static string Escape(string? text) => Markup.Escape(text ?? "");
}
