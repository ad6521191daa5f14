using System.Globalization;
using System.Text;
using Ccr.Core.Server;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Ccr.Core.Dashboard;

/// <summary>Requests and errors per second over the last five minutes as two small charts, with the rate now and the totals.</summary>
internal static class TrafficSection
{
    private const string Blocks = " ▁▂▃▄▅▆▇█";
    private const string AsciiBlocks = " .:-=+*#%";

    /// <summary>Lines the section takes: requests and errors.</summary>
    public static int Height => 2;

    public static IRenderable Render(DashboardSnapshot snapshot, int width, bool unicode)
    {
        LiveReport? live = snapshot.Live;
        long[] requests = live?.Requests ?? Array.Empty<long>();
        long[] errors = live?.Errors ?? Array.Empty<long>();
        int chartWidth = Math.Clamp(width - 42, 10, 240);

        // One scale for both charts, so an error bar as tall as a request bar means every request failed.
        double peak = 0;
        double[] requestRates = Rates(requests, chartWidth);
        double[] errorRates = Rates(errors, chartWidth);
        foreach (double rate in requestRates)
        {
            peak = Math.Max(peak, rate);
        }

        var grid = new Grid();
        grid.AddColumn(new GridColumn().NoWrap().PadRight(1));
        grid.AddColumn(new GridColumn().NoWrap().PadRight(1));
        grid.AddColumn(new GridColumn().NoWrap().PadRight(0));
        grid.AddRow(
            new Text("req/s", Style.Parse("bold")),
            new Text(Spark(requestRates, peak, unicode), Style.Parse("cyan")),
            new Text(Summary(requests, live, streams: true)));
        grid.AddRow(
            new Text("errors", Style.Parse("bold")),
            new Text(Spark(errorRates, peak, unicode), Style.Parse("red")),
            new Text(Summary(errors, live, streams: false), Sum(errors) > 0 ? Style.Parse("red") : Style.Plain));
        return grid;
    }

    /// <summary>Per-second counts averaged into <paramref name="columns"/> columns (the newest second is still filling, so it is left out).</summary>
    private static double[] Rates(long[] perSecond, int columns)
    {
        var rates = new double[columns];
        int seconds = Math.Max(0, perSecond.Length - 1);
        if (seconds == 0)
        {
            return rates;
        }

        double secondsPerColumn = Math.Max(1.0, (double)seconds / columns);
        int used = (int)Math.Min(columns, Math.Ceiling(seconds / secondsPerColumn));
        for (int c = 0; c < used; c++)
        {
            int from = seconds - (int)Math.Round((used - c) * secondsPerColumn);
            int to = seconds - (int)Math.Round((used - c - 1) * secondsPerColumn);
            long sum = 0;
            for (int s = Math.Max(0, from); s < to; s++)
            {
                sum += perSecond[s];
            }

            rates[columns - used + c] = to > from ? (double)sum / (to - from) : 0;
        }

        return rates;
    }

    private static string Spark(double[] rates, double peak, bool unicode)
    {
        string blocks = unicode ? Blocks : AsciiBlocks;
        var spark = new StringBuilder(rates.Length);
        foreach (double rate in rates)
        {
            int level = rate <= 0 || peak <= 0 ? 0 : Math.Clamp((int)Math.Ceiling(rate / peak * (blocks.Length - 1)), 1, blocks.Length - 1);
            spark.Append(blocks[level]);
        }

        return spark.ToString();
    }

    private static string Summary(long[] perSecond, LiveReport? live, bool streams)
    {
        // "now" is the last ten whole seconds: one second is too jumpy to read.
        long recent = 0;
        for (int s = Math.Max(0, perSecond.Length - 11); s < perSecond.Length - 1; s++)
        {
            recent += perSecond[s];
        }

        string text = "now " + (recent / 10.0).ToString("0.0", CultureInfo.InvariantCulture) + "/s  5m " + DashboardText.Count(Sum(perSecond));
        if (streams && live is not null)
        {
            text += "  streams " + DashboardText.Count(live.ActiveStreams);
        }

        return text;
    }

    private static long Sum(long[] counts)
    {
        long sum = 0;
        foreach (long count in counts)
        {
            sum += count;
        }

        return sum;
    }
}
