using Ccr.Core.Server;
using Ccr.Core.Telemetry;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Ccr.Core.Dashboard;

/// <summary>The tiers in priority order: who they are, whether they serve, and how fast they answer.</summary>
internal static class TierSection
{
    /// <summary>Lines the section takes: a header and one line per tier.</summary>
    public static int Height(DashboardSnapshot snapshot) => 1 + Math.Max(1, snapshot.Tiers.Count);

    public static IRenderable Render(DashboardSnapshot snapshot, int width, bool unicode, TimeZoneInfo zone)
    {
        bool wide = width >= 110;
        var table = new Table().Border(TableBorder.None).HideRowSeparators().Expand();
        table.AddColumn(Column("#", right: true));
        table.AddColumn(Column("Provider"));
        table.AddColumn(Column("Model"));
        if (wide)
        {
            table.AddColumn(Column("tier_name"));
        }

        table.AddColumn(Column("State"));
        table.AddColumn(Column("Req", right: true));
        table.AddColumn(Column("Err", right: true));
        table.AddColumn(Column("p50", right: true));
        table.AddColumn(Column("p95", right: true));
        table.AddColumn(Column("TTFT", right: true));
        if (snapshot.Tiers.Count == 0)
        {
            table.AddRow(new Text(snapshot.Problem is null ? "Router.tiers is empty: requests use Router.default only." : "No tier state yet.", Style.Parse("grey")));
            return table;
        }

        foreach (TierStatus tier in snapshot.Tiers)
        {
            LiveTierStats? live = Find(snapshot.Live, tier);
            var cells = new List<IRenderable>(10)
            {
                Cell(tier.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Cell(tier.Provider),
                Cell(tier.Model),
            };
            if (wide)
            {
                cells.Add(Cell(tier.TierName ?? ""));
            }

            cells.Add(State(tier, snapshot.Time, zone, wide, unicode));
            cells.Add(Cell(DashboardText.Count(tier.Requests)));
            cells.Add(tier.Failures > 0 ? new Text(DashboardText.Count(tier.Failures), Style.Parse("red")) : Cell("0"));
            cells.Add(Cell(DashboardText.Ms(live?.LatencyP50Ms, unicode)));
            cells.Add(Cell(DashboardText.Ms(live?.LatencyP95Ms, unicode)));
            cells.Add(Cell(DashboardText.Ms(live?.FirstByteP50Ms, unicode)));
            table.AddRow(cells);
        }

        return table;
    }

    private static LiveTierStats? Find(LiveReport? live, TierStatus tier)
    {
        if (live is null)
        {
            return null;
        }

        foreach (LiveTierStats stats in live.Tiers)
        {
            if (stats.Index == tier.Index && string.Equals(stats.Provider, tier.Provider, StringComparison.OrdinalIgnoreCase) && stats.Model == tier.Model)
            {
                return stats;
            }
        }

        return null;
    }

    private static Text State(TierStatus tier, DateTimeOffset now, TimeZoneInfo zone, bool wide, bool unicode)
    {
        TierAvailability state = tier.State ?? TierAvailability.Ready;
        string name = tier.State?.ToString() ?? "Unknown";
        string style = state switch
        {
            TierAvailability.Ready => "green",
            TierAvailability.CoolingDown or TierAvailability.KeySuspect => "yellow",
            TierAvailability.CircuitOpen or TierAvailability.QuotaExhausted => "red",
            _ => "grey",
        };
        if (tier.Until is DateTimeOffset until)
        {
            // "until" says when the tier is tried again; the window says which quota ran out.
            string window = state == TierAvailability.QuotaExhausted && tier.QuotaWindow is not null && wide ? " " + DashboardText.Window(tier.QuotaWindow) : "";
            // Narrow: how long from now, which is shorter than a clock time and what the eye wants there anyway.
            name += wide ? window + " until " + DashboardText.Clock(until, now, zone) : " " + DashboardText.Span(until - now);
        }

        return new Text(name, Style.Parse(style)).Overflow(Overflow.Ellipsis);
    }

    private static TableColumn Column(string header, bool right = false)
    {
        var column = new TableColumn(new Text(header, Style.Parse("bold"))).NoWrap().PadLeft(0).PadRight(1);
        return right ? column.RightAligned() : column;
    }

    private static Text Cell(string text) => new Text(text).Overflow(Overflow.Ellipsis);
}
