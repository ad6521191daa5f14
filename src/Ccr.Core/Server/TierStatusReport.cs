using System.Text.Json;
using Ccr.Core.Config;
using Ccr.Core.Health;
using Ccr.Core.Quota;
using Ccr.Core.Routing;

namespace Ccr.Core.Server;

/// <summary>
/// Joins what the config says about each tier (key missing, unknown provider, suspect key) with what
/// routing has seen (cooldown, open circuit, exhausted quota, counts, last error). The worst state wins,
/// because that is the one that decides whether the tier is tried.
/// </summary>
internal static class TierStatusReport
{
    public static IReadOnlyList<TierStatus> Build(RouterEngine engine)
    {
        CcrConfig config = engine.Snapshot.Config;
        var list = new List<TierStatus>(config.Router.Tiers.Count);
        for (int i = 0; i < config.Router.Tiers.Count; i++)
        {
            RouteTarget target = config.Router.Tiers[i];
            DateTimeOffset quotaUntil = default;
            ProviderConfig? provider = config.FindProvider(target.Provider);
            TierHealthSnapshot health = engine.Health.Snapshot(target.ToString());
            // Every provider is asked: an upstream quota error takes one out even without a quota block. Its windows
            // are shown only when it has one (or counts against a plan by default).
            QuotaSnapshot? quota = provider is null ? null : engine.Quota.Snapshot(provider);
            bool quotaOut = provider is not null && engine.Quota.IsExhausted(provider, out quotaUntil);
            TierAvailability state = config.GetRouteState(target) switch
            {
                RouteTargetState.UnknownProvider => TierAvailability.UnknownProvider,
                RouteTargetState.UnknownModel => TierAvailability.UnknownModel,
                RouteTargetState.KeyMissing => TierAvailability.KeyMissing,
                _ => health.State switch
                {
                    TierState.CircuitOpen => TierAvailability.CircuitOpen,
                    TierState.CoolingDown => TierAvailability.CoolingDown,
                    // A suspect key is still tried, so any live state that holds the tier back says more.
                    _ => quotaOut ? TierAvailability.QuotaExhausted
                        : provider?.KeyState == KeyState.KeySuspect ? TierAvailability.KeySuspect
                        : TierAvailability.Ready,
                },
            };
            DateTimeOffset? until = state switch
            {
                TierAvailability.CircuitOpen or TierAvailability.CoolingDown => health.Until,
                TierAvailability.QuotaExhausted => quotaUntil,
                _ => null,
            };
            list.Add(new TierStatus(i, target.Provider, target.Model, provider?.TierName, state, until,
                health.Requests, health.Failures, health.LastError, health.LastErrorAt,
                provider?.Quota is null ? Array.Empty<QuotaWindowSnapshot>() : quota!.Windows,
                state == TierAvailability.QuotaExhausted ? ExhaustedWindowName(quota) : null));
        }

        return list;
    }

    public static void Write(Utf8JsonWriter writer, IReadOnlyList<TierStatus> tiers)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("tiers");
        foreach (TierStatus tier in tiers)
        {
            writer.WriteStartObject();
            writer.WriteNumber("index", tier.Index);
            writer.WriteString("provider", tier.Provider);
            writer.WriteString("model", tier.Model);
            WriteOptional(writer, "tier_name", tier.TierName);
            writer.WriteString("state", (tier.State ?? TierAvailability.Ready).ToString());
            if (tier.Until is DateTimeOffset until)
            {
                writer.WriteString("until", until);
            }

            WriteOptional(writer, "quota_window", tier.QuotaWindow);
            writer.WriteNumber("requests", tier.Requests);
            writer.WriteNumber("failures", tier.Failures);
            WriteOptional(writer, "last_error", tier.LastError);
            if (tier.LastErrorAt is DateTimeOffset at)
            {
                writer.WriteString("last_error_at", at);
            }

            writer.WriteStartArray("quota");
            foreach (QuotaWindowSnapshot window in tier.Quota)
            {
                writer.WriteStartObject();
                writer.WriteString("window", window.Name);
                if (window.Limit is int limit)
                {
                    writer.WriteNumber("limit", limit);
                }

                writer.WriteNumber("used", window.Used);
                if (window.Left is long left)
                {
                    writer.WriteNumber("left", left);
                }

                writer.WriteString("resets_at", window.ResetsAt);
                if (window.LimitUnknown)
                {
                    writer.WriteBoolean("limit_unknown", true);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static IReadOnlyList<TierStatus> Parse(ReadOnlySpan<byte> json)
    {
        using JsonDocument document = JsonDocument.Parse(json.ToArray());
        var list = new List<TierStatus>();
        foreach (JsonElement tier in document.RootElement.GetProperty("tiers").EnumerateArray())
        {
            var windows = new List<QuotaWindowSnapshot>();
            foreach (JsonElement window in tier.GetProperty("quota").EnumerateArray())
            {
                windows.Add(new QuotaWindowSnapshot(
                    window.GetProperty("window").GetString() ?? "",
                    window.TryGetProperty("limit", out JsonElement limit) ? limit.GetInt32() : null,
                    window.GetProperty("used").GetInt64(),
                    window.TryGetProperty("left", out JsonElement left) ? left.GetInt64() : null,
                    window.GetProperty("resets_at").GetDateTimeOffset(),
                    window.TryGetProperty("limit_unknown", out JsonElement unknown) && unknown.ValueKind == JsonValueKind.True));
            }

            list.Add(new TierStatus(
                tier.GetProperty("index").GetInt32(),
                tier.GetProperty("provider").GetString() ?? "",
                tier.GetProperty("model").GetString() ?? "",
                tier.TryGetProperty("tier_name", out JsonElement name) ? name.GetString() : null,
                ParseState(tier.GetProperty("state").GetString()),
                tier.TryGetProperty("until", out JsonElement until) ? until.GetDateTimeOffset() : null,
                tier.GetProperty("requests").GetInt64(),
                tier.GetProperty("failures").GetInt64(),
                tier.TryGetProperty("last_error", out JsonElement error) ? error.GetString() : null,
                tier.TryGetProperty("last_error_at", out JsonElement errorAt) ? errorAt.GetDateTimeOffset() : null,
                windows,
                tier.TryGetProperty("quota_window", out JsonElement quotaWindow) ? quotaWindow.GetString() : null));
        }

        return list;
    }

    /// <summary>A missing state reads as Ready (as it always has); one this version does not know reads as null.</summary>
    private static TierAvailability? ParseState(string? text)
    {
        if (text is null)
        {
            return TierAvailability.Ready;
        }

        return Enum.TryParse(text, ignoreCase: false, out TierAvailability state) && Enum.IsDefined(state) ? state : null;
    }

    /// <summary>The window the quota mark names, or for a local limit the first window at its limit; null when neither says.</summary>
    private static string? ExhaustedWindowName(QuotaSnapshot? quota)
    {
        if (quota is null)
        {
            return null;
        }

        if (quota.ExhaustedUntil is not null && quota.ExhaustedWindow != QuotaWindowKind.Unknown)
        {
            return quota.ExhaustedWindow.ToString();
        }

        foreach (QuotaWindowSnapshot window in quota.Windows)
        {
            if (window.IsExhausted)
            {
                return window.Name;
            }
        }

        return null;
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
