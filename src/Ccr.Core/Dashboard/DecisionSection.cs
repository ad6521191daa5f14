using System.Globalization;
using Ccr.Core.Telemetry;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Ccr.Core.Dashboard;

/// <summary>The last routing decisions from the decision log: route source, tier, outcome, latency; a fallback stands out.</summary>
internal static class DecisionSection
{
    public static IRenderable Render(DashboardSnapshot snapshot, int width, int rows, bool unicode, TimeZoneInfo zone)
    {
        IReadOnlyList<DecisionLogEntry> decisions = snapshot.Live?.Decisions ?? Array.Empty<DecisionLogEntry>();
        if (decisions.Count == 0)
        {
            // Said on its own line: as a table row it would size the first column to the sentence.
            return new Text("No requests yet.", Style.Parse("grey"));
        }

        bool wide = width >= 110;
        var table = new Table().Border(TableBorder.None).HideRowSeparators().Expand();
        table.AddColumn(Column("Time"));
        table.AddColumn(Column("Source"));
        table.AddColumn(Column("Tier"));
        if (wide)
        {
            table.AddColumn(Column("Model"));
        }

        table.AddColumn(Column("Outcome"));
        table.AddColumn(Column("Status", right: true));
        table.AddColumn(Column("Latency", right: true));
        for (int i = 0; i < decisions.Count && i < rows; i++)
        {
            DecisionLogEntry d = decisions[i];
            string outcome = d.Outcome ?? "";
            bool fallback = outcome == "fallback";

            // A fallback is marked in the text as well as in colour, so it stands out with NO_COLOR too.
            Style style = fallback ? Style.Parse("yellow bold")
                : outcome == "ok" ? Style.Plain
                : outcome.StartsWith("skipped", StringComparison.Ordinal) ? Style.Parse("grey")
                : Style.Parse("red");
            string tier = d.TierName ?? d.Provider ?? (d.TierIndex is int index && index >= 0 ? "tier " + index.ToString(CultureInfo.InvariantCulture) : "-");
            var cells = new List<IRenderable>(7)
            {
                Cell(DashboardText.Clock(d.Time, snapshot.Time, zone), style),
                Cell(d.RouteSource ?? "", style),
                Cell(wide ? tier : d.Provider ?? tier, style),
            };
            if (wide)
            {
                cells.Add(Cell(d.Model ?? "", style));
            }

            cells.Add(Cell((fallback ? (unicode ? "↪ " : "> ") : "") + outcome, style));
            cells.Add(Cell(d.Status is int status ? status.ToString(CultureInfo.InvariantCulture) : "", style));
            cells.Add(Cell(DashboardText.Ms(d.LatencyMs, unicode), style));
            table.AddRow(cells);
        }

        return table;
    }

    private static TableColumn Column(string header, bool right = false)
    {
        var column = new TableColumn(new Text(header, Style.Parse("bold"))).NoWrap().PadLeft(0).PadRight(1);
        return right ? column.RightAligned() : column;
    }

    private static Text Cell(string text, Style style) => new Text(text, style).Overflow(Overflow.Ellipsis);
}
