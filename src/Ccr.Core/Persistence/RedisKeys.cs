using System.Globalization;

namespace Ccr.Core.Persistence;

/// <summary>
/// The Redis key names, all under the configured prefix, every provider part a <see cref="ProviderKeyHash"/>:
/// <c>quota:{hash}:min:{hour}</c> (a hash of minute → requests, kept six hours), <c>quota:{hash}:week:{start}</c> and
/// <c>quota:{hash}:month:{start}</c> (counters of the period starting at that Unix second), <c>quota:{hash}:exhausted</c>
/// ("untilMs|window", expiring at the reset), <c>cooldown:{hash}</c> (a hash of model → "untilMs|reason"),
/// <c>usage:{hour}</c> (a hash of "hash\tmodel\ttier\tcounter" → count, kept 91 days) with <c>usage:hours</c> listing the
/// hours, and <c>batch:{id}</c> (the marker that makes a resent batch count once).
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    /// <summary>The prefix every key starts with.</summary>
    public string Prefix { get; } = prefix;

    public string QuotaMinutes(string hash, long hour) => Prefix + "quota:" + hash + ":min:" + hour.ToString(CultureInfo.InvariantCulture);

    public string QuotaWeek(string hash, DateTimeOffset start) => Prefix + "quota:" + hash + ":week:" + start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public string QuotaMonth(string hash, DateTimeOffset start) => Prefix + "quota:" + hash + ":month:" + start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public string Exhausted(string hash) => Prefix + "quota:" + hash + ":exhausted";

    public string Cooldowns(string hash) => Prefix + "cooldown:" + hash;

    public string UsageHour(long hour) => Prefix + "usage:" + hour.ToString(CultureInfo.InvariantCulture);

    public string UsageHours => Prefix + "usage:hours";

    public string Batch(string id) => Prefix + "batch:" + id;
}
