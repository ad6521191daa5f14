using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Ccr.Core.Dashboard;

/// <summary>
/// Lays one snapshot out for a terminal of a given size. Tiers come first and always show; then quota, traffic and the
/// last decisions, each only when its lines fit, the decisions taking what height is left. Narrow terminals get fewer
/// columns (see each section), never wrapped rows, so the frame keeps its shape down to 80×24.
/// </summary>
internal static class DashboardView
{
    /// <summary>Decision rows drawn when the height is not limited (a one-off snapshot).</summary>
    public const int UnboundedDecisionRows = 10;

    /// <summary>The frame for a <paramref name="width"/>×<paramref name="height"/> terminal (height <see cref="int.MaxValue"/>: no limit).</summary>
    public static IRenderable Render(DashboardSnapshot snapshot, int width, int height, bool unicode, TimeZoneInfo zone, string? keys = "q quit")
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(zone);
        var parts = new List<IRenderable> { Header(snapshot, width, zone, keys) };
        int left = height - 1;
        if (snapshot.Problem is not null)
        {
            // One line, cut rather than wrapped: the height budget counts it as one.
            var problem = new Grid();
            problem.AddColumn(new GridColumn().NoWrap().PadRight(0));
            problem.AddRow(new Text(snapshot.Problem, Style.Parse("red bold")).Overflow(Overflow.Ellipsis));
            parts.Add(problem);
            left--;
        }

        parts.Add(Title("Tiers", unicode));
        parts.Add(TierSection.Render(snapshot, width, unicode, zone));
        left -= 1 + TierSection.Height(snapshot);

        int quota = QuotaSection.Height(snapshot);
        if (quota > 0 && left >= 1 + quota)
        {
            parts.Add(Title("Quota", unicode));
            parts.Add(QuotaSection.Render(snapshot, width, unicode, zone));
            left -= 1 + quota;
        }

        if (left >= 1 + TrafficSection.Height)
        {
            parts.Add(Title("Traffic (last 5 minutes)", unicode));
            parts.Add(TrafficSection.Render(snapshot, width, unicode));
            left -= 1 + TrafficSection.Height;
        }

        // A title, the column header and at least one row, or nothing.
        if (left >= 3)
        {
            int rows = height == int.MaxValue ? UnboundedDecisionRows : left - 2;
            parts.Add(Title("Recent routing decisions", unicode));
            parts.Add(DecisionSection.Render(snapshot, width, rows, unicode, zone));
        }

        return new Rows(parts);
    }

    private static IRenderable Header(DashboardSnapshot snapshot, int width, TimeZoneInfo zone, string? keys)
    {
        var header = new Grid();
        header.AddColumn(new GridColumn().NoWrap().PadRight(1));
        header.AddColumn(new GridColumn().NoWrap().RightAligned().PadRight(0));
        string left = "[bold]Ccr[/] " + DashboardText.Escape(snapshot.Address);
        if (snapshot.Health is { } health)
        {
            // Narrow terminals keep what changes (uptime, load), not the version and the lifetime total.
            bool wide = width >= 110;
            left += (wide ? " [grey]v" + DashboardText.Escape(health.Version) + "[/]" : "") + "  up " + DashboardText.Span(TimeSpan.FromSeconds(health.UptimeSeconds))
                + (wide ? "  served " + DashboardText.Count(health.RequestsServed) : "");
            if (snapshot.Live is { } live)
            {
                left += "  in flight " + DashboardText.Count(Math.Max(0, live.InFlight - 1)) + "  streams " + DashboardText.Count(live.ActiveStreams);
            }
        }
        else
        {
            left += " [red]not answering[/]";
        }

        string right = DashboardText.Clock(snapshot.Time, snapshot.Time, zone);
        if (keys is not null && width >= 80)
        {
            right += "  [grey]" + DashboardText.Escape(keys) + "[/]";
        }

        header.AddRow(new Markup(left).Overflow(Overflow.Ellipsis), new Markup(right));
        return header;
    }

    private static Rule Title(string title, bool unicode) =>
        new Rule("[bold]" + DashboardText.Escape(title) + "[/]") { Justification = Justify.Left, Border = unicode ? BoxBorder.Rounded : BoxBorder.Ascii };

    /// <summary>The frame as plain text (no colour, no cursor movement): the one-off snapshot of a non-interactive host.</summary>
    public static string RenderText(DashboardSnapshot snapshot, int width, TimeZoneInfo zone, bool unicode)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = width;
        console.Profile.Capabilities.Unicode = unicode;
        console.Write(Render(snapshot, width, int.MaxValue, unicode, zone, keys: null));
        return writer.ToString();
    }
}
