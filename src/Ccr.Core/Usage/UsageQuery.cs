using System.Globalization;

namespace Ccr.Core.Usage;

/// <summary>What a usage report is asked for: a span and a grouping. Without a span, the last 24 hours.</summary>
/// <param name="Since">Start of the span.</param>
/// <param name="Until">End of the span (exclusive).</param>
/// <param name="By">How rows are cut.</param>
internal sealed record UsageQuery(DateTimeOffset Since, DateTimeOffset Until, UsageGrouping By)
{
    /// <summary>How far back a report looks when no start is given.</summary>
    public static readonly TimeSpan DefaultSpan = TimeSpan.FromHours(24);

    /// <summary>The span from the optional ends: <paramref name="until"/> defaults to now, <paramref name="since"/> to 24 hours before it.</summary>
    public static UsageQuery Create(DateTimeOffset? since, DateTimeOffset? until, UsageGrouping by, DateTimeOffset now)
    {
        DateTimeOffset end = until ?? now;
        return new UsageQuery(since ?? end - DefaultSpan, end, by);
    }

    /// <summary>The query string <c>GET /ccr/usage</c> takes: <c>since</c>, <c>until</c> (ISO 8601) and <c>by</c>.</summary>
    public string ToQueryString() =>
        "?since=" + Uri.EscapeDataString(Since.ToString("O", CultureInfo.InvariantCulture))
        + "&until=" + Uri.EscapeDataString(Until.ToString("O", CultureInfo.InvariantCulture))
        + "&by=" + UsageReport.GroupingText(By);

    /// <summary>
    /// Reads a request target's query (<c>since</c>, <c>until</c>: ISO 8601 or Unix seconds; <c>by</c>: hour, day, provider,
    /// model); <paramref name="error"/> says what is wrong and how to write it.
    /// </summary>
    public static UsageQuery? TryParse(string rawTarget, DateTimeOffset now, out string? error)
    {
        error = null;
        DateTimeOffset? since = null;
        DateTimeOffset? until = null;
        var by = UsageGrouping.ProviderModel;
        int q = rawTarget.IndexOf('?', StringComparison.Ordinal);
        string query = q < 0 ? "" : rawTarget[(q + 1)..];
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            string value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            switch (name)
            {
                case "since":
                case "until":
                    if (!TryParseTime(value, out DateTimeOffset time))
                    {
                        error = "'" + name + "=" + value + "' is not a time; write ISO 8601 (2026-12-01T00:00:00Z) or Unix seconds.";
                        return null;
                    }

                    if (name == "since")
                    {
                        since = time;
                    }
                    else
                    {
                        until = time;
                    }

                    break;
                case "by":
                    if (!UsageReport.TryParseGrouping(value, out by))
                    {
                        error = "'by=" + value + "' is not a grouping; use hour, day, provider, model or provider_model.";
                        return null;
                    }

                    break;
                default:
                    break;
            }
        }

        UsageQuery result = Create(since, until, by, now);
        if (result.Until < result.Since)
        {
            error = "'until' is before 'since'; give a span that ends after it starts.";
            return null;
        }

        return result;
    }

    private static bool TryParseTime(string text, out DateTimeOffset time)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seconds))
        {
            time = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }
}
