using System.Runtime.InteropServices;
using System.Text.Json;
using Ccr.Core.Config;
using Ccr.Core.Quota;

namespace Ccr.Core.Usage;

/// <summary>
/// Usage over a span as rows (cut per <see cref="UsageGrouping"/>, with cost from the config's prices) and the quota
/// windows of the providers that have them, each with a forecast. The same object whether it comes from this process's
/// engine, from a proxy's <c>GET /ccr/usage</c>, or from the store file when no proxy runs.
/// </summary>
/// <param name="Since">Start of the span asked for.</param>
/// <param name="Until">End of the span asked for (exclusive); buckets are whole hours, so rows cover the hours the span touches.</param>
/// <param name="By">How the rows are cut.</param>
/// <param name="Rows">The rows, oldest span first, then by provider and model.</param>
/// <param name="Quota">Quota windows of providers with a <c>quota</c> or on a subscription plan.</param>
internal sealed record UsageReport(DateTimeOffset Since, DateTimeOffset Until, UsageGrouping By, IReadOnlyList<UsageRow> Rows, IReadOnlyList<UsageQuotaWindow> Quota)
{
    /// <summary>
    /// Builds the report for [<paramref name="since"/>, <paramref name="until"/>). <paramref name="read"/> returns the buckets
    /// of an hour range; <paramref name="quota"/> the quota state of a provider, or null when none can be known.
    /// </summary>
    public static UsageReport Build(
        CcrConfig config,
        Func<long, long, Dictionary<UsageBucketKey, UsageCounts>> read,
        Func<ProviderConfig, QuotaSnapshot?>? quota,
        DateTimeOffset since,
        DateTimeOffset until,
        UsageGrouping by,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(read);
        long fromHour = UsageBucketKey.HourOf(since);
        long toHour = until > since ? UsageBucketKey.HourOf(until.AddTicks(-1)) + 1 : fromHour;
        Dictionary<UsageBucketKey, UsageCounts> buckets = read(fromHour, toHour);

        var groups = new Dictionary<(long Start, string? Provider, string? Model, string? Tier), Group>();
        foreach (KeyValuePair<UsageBucketKey, UsageCounts> bucket in buckets)
        {
            UsageKey key = bucket.Key.Key;
            ProviderConfig? provider = config.FindProvider(key.Provider);
            string? tier = key.TierName.Length == 0 ? null : key.TierName;
            (long Start, string? Provider, string? Model, string? Tier) groupKey = by switch
            {
                UsageGrouping.Hour => (bucket.Key.Hour, key.Provider, key.Model, tier),
                UsageGrouping.Day => (bucket.Key.Hour / 24 * 24, key.Provider, key.Model, tier),
                UsageGrouping.Provider => (long.MinValue, key.Provider, null, provider?.TierName ?? tier),
                UsageGrouping.Model => (long.MinValue, null, key.Model, null),
                _ => (long.MinValue, key.Provider, key.Model, tier),
            };
            ref Group? group = ref CollectionsMarshal.GetValueRefOrAddDefault(groups, groupKey, out _);
            group ??= new Group();
            group.Counts.Add(bucket.Value);
            bool subscription = provider?.Subscription ?? false;
            group.Subscription |= subscription;
            if (!subscription && provider?.PricingFor(key.Model) is TokenPricing price)
            {
                UsageCounts c = bucket.Value;
                group.Cost = (group.Cost ?? 0) + price.CostUsd(c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens);
            }
        }

        var rows = new List<UsageRow>(groups.Count);
        foreach (KeyValuePair<(long Start, string? Provider, string? Model, string? Tier), Group> entry in groups)
        {
            (long start, string? provider, string? model, string? tier) = entry.Key;
            (DateTimeOffset from, DateTimeOffset to) = start == long.MinValue
                ? (since, until)
                : (UsageBucketKey.StartOf(start), UsageBucketKey.StartOf(start + (by == UsageGrouping.Day ? 24 : 1)));
            Group group = entry.Value;
            rows.Add(new UsageRow(provider, model, tier, group.Counts, group.Subscription ? null : group.Cost, group.Subscription, from, to));
        }

        rows.Sort(static (a, b) =>
        {
            int result = a.From.CompareTo(b.From);
            result = result != 0 ? result : string.CompareOrdinal(a.Provider, b.Provider);
            result = result != 0 ? result : string.CompareOrdinal(a.Model, b.Model);
            return result != 0 ? result : string.CompareOrdinal(a.TierName, b.TierName);
        });

        return new UsageReport(since, until, by, rows, quota is null ? Array.Empty<UsageQuotaWindow>() : QuotaWindows(config, read, quota, now));
    }

    /// <summary>Parses the <c>by</c> query value (hour, day, provider, model, or empty for provider and model).</summary>
    public static bool TryParseGrouping(string? text, out UsageGrouping grouping)
    {
        grouping = UsageGrouping.ProviderModel;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        foreach (UsageGrouping candidate in Enum.GetValues<UsageGrouping>())
        {
            if (string.Equals(GroupingText(candidate), text, StringComparison.OrdinalIgnoreCase)
                || string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                grouping = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>The <c>by</c> query value for <paramref name="grouping"/>.</summary>
    public static string GroupingText(UsageGrouping grouping) => grouping switch
    {
        UsageGrouping.Hour => "hour",
        UsageGrouping.Day => "day",
        UsageGrouping.Provider => "provider",
        UsageGrouping.Model => "model",
        _ => "provider_model",
    };

    /// <summary>Writes the report as <c>GET /ccr/usage</c> serves it.</summary>
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("since", Since);
        writer.WriteString("until", Until);
        writer.WriteString("by", GroupingText(By));
        writer.WriteStartArray("rows");
        foreach (UsageRow row in Rows)
        {
            writer.WriteStartObject();
            WriteNullable(writer, "provider", row.Provider);
            WriteNullable(writer, "model", row.Model);
            WriteNullable(writer, "tier_name", row.TierName);
            UsageCounts c = row.Counts;
            writer.WriteNumber("requests", c.Requests);
            writer.WriteNumber("input_tokens", c.InputTokens);
            writer.WriteNumber("output_tokens", c.OutputTokens);
            writer.WriteNumber("cache_read_tokens", c.CacheReadTokens);
            writer.WriteNumber("cache_write_tokens", c.CacheWriteTokens);
            writer.WriteNumber("errors", c.Errors);
            writer.WriteNumber("fallbacks", c.Fallbacks);
            if (row.CostUsd is double cost)
            {
                writer.WriteNumber("cost_usd", cost);
            }
            else
            {
                writer.WriteNull("cost_usd");
            }

            writer.WriteBoolean("subscription", row.Subscription);
            writer.WriteString("from", row.From);
            writer.WriteString("to", row.To);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("quota");
        foreach (UsageQuotaWindow window in Quota)
        {
            writer.WriteStartObject();
            writer.WriteString("provider", window.Provider);
            WriteNullable(writer, "tier_name", window.TierName);
            writer.WriteString("window", window.Window);
            writer.WriteNumber("used", window.Used);
            if (window.Limit is long limit)
            {
                writer.WriteNumber("limit", limit);
            }
            else
            {
                writer.WriteNull("limit");
            }

            writer.WriteString("resets_at", window.ResetsAt);
            if (window.RunsOutAt is DateTimeOffset runsOut)
            {
                writer.WriteString("runs_out_at", runsOut);
            }
            else
            {
                writer.WriteNull("runs_out_at");
            }

            writer.WriteNumber("per_hour", window.PerHour);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static UsageReport Parse(ReadOnlySpan<byte> json)
    {
        using JsonDocument document = JsonDocument.Parse(json.ToArray());
        JsonElement root = document.RootElement;
        if (!TryParseGrouping(root.GetProperty("by").GetString(), out UsageGrouping by))
        {
            throw new FormatException("The usage report's 'by' is not one this version knows.");
        }

        var rows = new List<UsageRow>();
        foreach (JsonElement row in root.GetProperty("rows").EnumerateArray())
        {
            var counts = new UsageCounts
            {
                Requests = row.GetProperty("requests").GetInt64(),
                InputTokens = row.GetProperty("input_tokens").GetInt64(),
                OutputTokens = row.GetProperty("output_tokens").GetInt64(),
                CacheReadTokens = row.GetProperty("cache_read_tokens").GetInt64(),
                CacheWriteTokens = row.GetProperty("cache_write_tokens").GetInt64(),
                Errors = row.GetProperty("errors").GetInt64(),
                Fallbacks = row.GetProperty("fallbacks").GetInt64(),
            };
            JsonElement cost = row.GetProperty("cost_usd");
            rows.Add(new UsageRow(
                NullableString(row, "provider"),
                NullableString(row, "model"),
                NullableString(row, "tier_name"),
                counts,
                cost.ValueKind == JsonValueKind.Number ? cost.GetDouble() : null,
                row.TryGetProperty("subscription", out JsonElement sub) && sub.ValueKind == JsonValueKind.True,
                row.GetProperty("from").GetDateTimeOffset(),
                row.GetProperty("to").GetDateTimeOffset()));
        }

        var quota = new List<UsageQuotaWindow>();
        foreach (JsonElement window in root.GetProperty("quota").EnumerateArray())
        {
            JsonElement limit = window.GetProperty("limit");
            JsonElement runsOut = window.GetProperty("runs_out_at");
            quota.Add(new UsageQuotaWindow(
                window.GetProperty("provider").GetString() ?? "",
                NullableString(window, "tier_name"),
                window.GetProperty("window").GetString() ?? "",
                window.GetProperty("used").GetInt64(),
                limit.ValueKind == JsonValueKind.Number ? limit.GetInt64() : null,
                window.GetProperty("resets_at").GetDateTimeOffset(),
                runsOut.ValueKind == JsonValueKind.String ? runsOut.GetDateTimeOffset() : null,
                window.TryGetProperty("per_hour", out JsonElement pace) ? pace.GetDouble() : 0));
        }

        return new UsageReport(root.GetProperty("since").GetDateTimeOffset(), root.GetProperty("until").GetDateTimeOffset(), by, rows, quota);
    }

    private static List<UsageQuotaWindow> QuotaWindows(
        CcrConfig config,
        Func<long, long, Dictionary<UsageBucketKey, UsageCounts>> read,
        Func<ProviderConfig, QuotaSnapshot?> quota,
        DateTimeOffset now)
    {
        var windows = new List<UsageQuotaWindow>();
        long currentHour = UsageBucketKey.HourOf(now);
        Dictionary<UsageBucketKey, UsageCounts>? recent = null;
        foreach (ProviderConfig provider in config.Providers)
        {
            if ((provider.Quota is null && !provider.Subscription) || quota(provider) is not QuotaSnapshot snapshot)
            {
                continue;
            }

            recent ??= read(currentHour - 1, currentHour + 1);
            double perHour = LastHourPace(recent, provider.Name, currentHour, now);
            foreach (QuotaWindowSnapshot window in snapshot.Windows)
            {
                long? limit = window.Limit;
                windows.Add(new UsageQuotaWindow(provider.Name, provider.TierName, window.Name, window.Used, limit, window.ResetsAt,
                    UsageQuotaWindow.Forecast(window.Used, limit, perHour, now, window.ResetsAt), perHour));
            }
        }

        return windows;
    }

    /// <summary>
    /// Requests of <paramref name="provider"/> in the last sixty minutes, from hourly buckets: all of the current hour and the
    /// share of the previous hour that is still within the last sixty minutes.
    /// </summary>
    private static double LastHourPace(Dictionary<UsageBucketKey, UsageCounts> recent, string provider, long currentHour, DateTimeOffset now)
    {
        double intoHour = (now - UsageBucketKey.StartOf(currentHour)).TotalHours;
        double pace = 0;
        foreach (KeyValuePair<UsageBucketKey, UsageCounts> bucket in recent)
        {
            if (!string.Equals(bucket.Key.Key.Provider, provider, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            pace += bucket.Key.Hour == currentHour ? bucket.Value.Requests : bucket.Value.Requests * Math.Max(0, 1 - intoHour);
        }

        return pace;
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static string? NullableString(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed class Group
    {
        public UsageCounts Counts;

        public double? Cost;

        public bool Subscription;
    }
}
