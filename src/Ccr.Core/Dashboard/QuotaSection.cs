using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Ccr.Core.Dashboard;

/// <summary>A bar per quota window (5h, weekly, monthly) with used/limit, when it resets, and when it runs out at the current pace.</summary>
internal static class QuotaSection
{
    /// <summary>Lines the section takes: one per window.</summary>
    public static int Height(DashboardSnapshot snapshot) => snapshot.Quota.Count;

    public static IRenderable Render(DashboardSnapshot snapshot, int width, bool unicode, TimeZoneInfo zone)
    {
        bool wide = width >= 110;
        var grid = new Grid();
        grid.AddColumn(new GridColumn().NoWrap().PadRight(1));
        grid.AddColumn(new GridColumn().NoWrap().PadRight(1));
        grid.AddColumn(new GridColumn().NoWrap().PadRight(1).RightAligned());
        grid.AddColumn(new GridColumn().NoWrap().PadRight(1));
        grid.AddColumn(new GridColumn().NoWrap().PadRight(0));

        // What is left after the label and the figures goes to the bar, within reason.
        int barWidth = Math.Clamp(width - (wide ? 90 : 58), 8, 60);
        foreach (QuotaRow row in snapshot.Quota)
        {
            string label = (wide && row.TierName is not null ? row.TierName : row.Provider) + " " + DashboardText.Window(row.Window);
            string used = DashboardText.Count(row.Used) + "/" + (row.Limit is long limit ? DashboardText.Count(limit) : "?");
            string resets = "resets " + DashboardText.Span(row.ResetsAt - snapshot.Time)
                + (wide ? " (" + DashboardText.Clock(row.ResetsAt, snapshot.Time, zone) + ")" : "");
            grid.AddRow(
                new Text(label).Overflow(Overflow.Ellipsis),
                new Markup(Bar(row, barWidth, unicode)),
                new Text(used),
                new Text(resets, Style.Parse("grey")),
                Forecast(row, snapshot.Time, zone, wide));
        }

        return grid;
    }

    private static string Bar(QuotaRow row, int width, bool unicode)
    {
        char full = unicode ? '█' : '#';
        char empty = unicode ? '░' : '-';
        if (row.Limit is not long limit || limit <= 0)
        {
            return "[grey]" + new string(empty, width) + "[/]";
        }

        double ratio = Math.Clamp((double)row.Used / limit, 0, 1);
        int filled = row.Exhausted ? width : (int)Math.Round(ratio * width);
        string color = row.Exhausted || ratio >= 0.9 ? "red" : ratio >= 0.7 ? "yellow" : "green";
        var bar = new StringBuilder(width + 24);
        bar.Append('[').Append(color).Append(']').Append(full, filled).Append("[/]");
        bar.Append("[grey]").Append(empty, width - filled).Append("[/]");
        return bar.ToString();
    }

    private static Text Forecast(QuotaRow row, DateTimeOffset now, TimeZoneInfo zone, bool wide)
    {
        if (row.Exhausted)
        {
            return new Text("used up", Style.Parse("red bold"));
        }

        if (row.Limit is null)
        {
            return new Text("limit unknown", Style.Parse("grey"));
        }

        if (row.RunsOutAt is DateTimeOffset at)
        {
            return new Text("runs out in " + DashboardText.Span(at - now) + (wide ? " (" + DashboardText.Clock(at, now, zone) + ")" : ""), Style.Parse("yellow"));
        }

        return new Text(wide ? "lasts to the reset at this pace" : "lasts to reset", Style.Parse("green"));
    }
}
