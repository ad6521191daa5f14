using System.Text.Json;
using Ccr.Core.Config;
using Ccr.Core.Routing;
using Ccr.Core.Telemetry;

namespace Ccr.Core.Server;

/// <summary>
/// What <c>GET /ccr/dashboard</c> answers, built from memory only (no file, no lock a request waits on): per-tier
/// latency and time to first byte, requests and errors per second over the last five minutes, active streams, and the
/// last decision-log lines. Watch-CcrProxy joins it with <c>/ccr/tiers</c> and <c>/ccr/usage</c>.
/// </summary>
/// <param name="Time">When it was read.</param>
/// <param name="InFlight">Requests the proxy is serving (this one included).</param>
/// <param name="ActiveStreams">Streaming answers in progress.</param>
/// <param name="RequestsServed">Requests answered since the proxy started, every endpoint.</param>
/// <param name="Tiers">One entry per <c>Router.tiers</c> entry, in priority order.</param>
/// <param name="Requests">Messages-like requests per second, oldest first, ending at <paramref name="Time"/>.</param>
/// <param name="Errors">Of those, the ones answered with an error.</param>
/// <param name="Decisions">The last attempt and result lines of the decision log, newest first.</param>
internal sealed record LiveReport(
    DateTimeOffset Time,
    int InFlight,
    long ActiveStreams,
    long RequestsServed,
    IReadOnlyList<LiveTierStats> Tiers,
    long[] Requests,
    long[] Errors,
    IReadOnlyList<DecisionLogEntry> Decisions)
{
    public static LiveReport Build(RouterEngine engine, int inFlight, long requestsServed)
    {
        ArgumentNullException.ThrowIfNull(engine);
        DateTimeOffset now = engine.Time.GetUtcNow();
        long minute = now.ToUnixTimeSeconds() / 60;
        IReadOnlyList<RouteTarget> targets = engine.Snapshot.Config.Router.Tiers;
        var tiers = new List<LiveTierStats>(targets.Count);
        for (int i = 0; i < targets.Count; i++)
        {
            RouteTarget target = targets[i];
            TierLatency? live = engine.Live.Find(target.ToString());
            (double? p50, double? p95, _) = live?.Latency.Percentiles(minute) ?? default;
            (double? f50, double? f95, _) = live?.FirstByte.Percentiles(minute) ?? default;
            tiers.Add(new LiveTierStats(i, target.Provider, target.Model, live?.Attempts ?? 0, live?.Errors ?? 0, p50, p95, f50, f95));
        }

        (long[] requests, long[] errors) = engine.Live.Traffic.Read(now.ToUnixTimeSeconds());
        return new LiveReport(now, inFlight, engine.Metrics.ActiveStreams, requestsServed, tiers, requests, errors, engine.Log.Recent.Snapshot());
    }

    public void Write(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("time", Time);
        writer.WriteNumber("in_flight", InFlight);
        writer.WriteNumber("active_streams", ActiveStreams);
        writer.WriteNumber("requests_served", RequestsServed);
        writer.WriteStartArray("tiers");
        foreach (LiveTierStats tier in Tiers)
        {
            writer.WriteStartObject();
            writer.WriteNumber("index", tier.Index);
            writer.WriteString("provider", tier.Provider);
            writer.WriteString("model", tier.Model);
            writer.WriteNumber("attempts", tier.Attempts);
            writer.WriteNumber("errors", tier.Errors);
            WriteMs(writer, "latency_p50_ms", tier.LatencyP50Ms);
            WriteMs(writer, "latency_p95_ms", tier.LatencyP95Ms);
            WriteMs(writer, "first_byte_p50_ms", tier.FirstByteP50Ms);
            WriteMs(writer, "first_byte_p95_ms", tier.FirstByteP95Ms);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("traffic");
        writer.WriteNumber("bucket_seconds", 1);
        WriteCounts(writer, "requests", Requests);
        WriteCounts(writer, "errors", Errors);
        writer.WriteEndObject();
        writer.WriteStartArray("decisions");
        foreach (DecisionLogEntry entry in Decisions)
        {
            writer.WriteStartObject();
            writer.WriteString("time", entry.Time);
            WriteOptional(writer, "request_id", entry.RequestId);
            WriteOptional(writer, "event", entry.Event);
            WriteOptional(writer, "route_source", entry.RouteSource);
            WriteOptional(writer, "provider", entry.Provider);
            WriteOptional(writer, "model", entry.Model);
            if (entry.TierIndex is int index)
            {
                writer.WriteNumber("tier_index", index);
            }

            WriteOptional(writer, "tier_name", entry.TierName);
            if (entry.Attempt is int attempt)
            {
                writer.WriteNumber("attempt", attempt);
            }

            if (entry.Status is int status)
            {
                writer.WriteNumber("status", status);
            }

            WriteOptional(writer, "outcome", entry.Outcome);
            WriteMs(writer, "latency_ms", entry.LatencyMs);
            WriteOptional(writer, "error_type", entry.ErrorType);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static LiveReport Parse(ReadOnlySpan<byte> json)
    {
        using JsonDocument document = JsonDocument.Parse(json.ToArray());
        JsonElement root = document.RootElement;
        var tiers = new List<LiveTierStats>();
        foreach (JsonElement tier in root.GetProperty("tiers").EnumerateArray())
        {
            tiers.Add(new LiveTierStats(
                tier.GetProperty("index").GetInt32(),
                tier.GetProperty("provider").GetString() ?? "",
                tier.GetProperty("model").GetString() ?? "",
                tier.GetProperty("attempts").GetInt64(),
                tier.GetProperty("errors").GetInt64(),
                ReadMs(tier, "latency_p50_ms"),
                ReadMs(tier, "latency_p95_ms"),
                ReadMs(tier, "first_byte_p50_ms"),
                ReadMs(tier, "first_byte_p95_ms")));
        }

        JsonElement traffic = root.GetProperty("traffic");
        var decisions = new List<DecisionLogEntry>();
        foreach (JsonElement entry in root.GetProperty("decisions").EnumerateArray())
        {
            decisions.Add(new DecisionLogEntry
            {
                Time = entry.GetProperty("time").GetDateTimeOffset(),
                RequestId = ReadString(entry, "request_id"),
                Event = ReadString(entry, "event") ?? "",
                RouteSource = ReadString(entry, "route_source"),
                Provider = ReadString(entry, "provider"),
                Model = ReadString(entry, "model"),
                TierIndex = entry.TryGetProperty("tier_index", out JsonElement index) ? index.GetInt32() : null,
                TierName = ReadString(entry, "tier_name"),
                Attempt = entry.TryGetProperty("attempt", out JsonElement attempt) ? attempt.GetInt32() : null,
                Status = entry.TryGetProperty("status", out JsonElement status) ? status.GetInt32() : null,
                Outcome = ReadString(entry, "outcome"),
                LatencyMs = ReadMs(entry, "latency_ms"),
                ErrorType = ReadString(entry, "error_type"),
            });
        }

        return new LiveReport(
            root.GetProperty("time").GetDateTimeOffset(),
            root.GetProperty("in_flight").GetInt32(),
            root.GetProperty("active_streams").GetInt64(),
            root.GetProperty("requests_served").GetInt64(),
            tiers,
            ReadCounts(traffic.GetProperty("requests")),
            ReadCounts(traffic.GetProperty("errors")),
            decisions);
    }

    private static void WriteCounts(Utf8JsonWriter writer, string name, long[] counts)
    {
        writer.WriteStartArray(name);
        foreach (long count in counts)
        {
            writer.WriteNumberValue(count);
        }

        writer.WriteEndArray();
    }

    private static long[] ReadCounts(JsonElement array)
    {
        var counts = new long[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement count in array.EnumerateArray())
        {
            counts[i++] = count.GetInt64();
        }

        return counts;
    }

    private static void WriteMs(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is double ms)
        {
            writer.WriteNumber(name, Math.Round(ms, 2));
        }
    }

    private static double? ReadMs(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static string? ReadString(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
