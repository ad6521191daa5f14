using System.Globalization;
using Ccr.Core.Quota;
using Ccr.Core.Usage;
using StackExchange.Redis;

namespace Ccr.Core.Persistence;

/// <summary>
/// What one flush sends: the deltas taken from <see cref="SharedDeltas"/> at one moment, under one id. The batch is kept,
/// unchanged and under the same id, until Redis has taken it, so resending it after a lost reply counts it once.
/// </summary>
internal sealed class SharedBatch
{
    private static readonly long s_minutesTtl = (long)TimeSpan.FromHours(6).TotalSeconds;
    private static readonly long s_weekTtl = (long)TimeSpan.FromDays(8).TotalSeconds;
    private static readonly long s_monthTtl = (long)TimeSpan.FromDays(32).TotalSeconds;
    private static readonly long s_usageTtl = (long)(UsageStore.Retention + TimeSpan.FromDays(1)).TotalSeconds;

    public SharedBatch(
        Dictionary<(string Provider, long Minute), int> quota,
        Dictionary<string, int> renewalDays,
        Dictionary<string, (DateTimeOffset Until, QuotaWindowKind Window)> exhausted,
        Dictionary<UsageBucketKey, UsageCounts> usage,
        Dictionary<string, (DateTimeOffset Until, string Reason)> cooldowns)
    {
        Id = Guid.NewGuid().ToString("N");
        Quota = quota;
        RenewalDays = renewalDays;
        Exhausted = exhausted;
        Usage = usage;
        Cooldowns = cooldowns;
    }

    /// <summary>The batch's id, the name of its marker in Redis.</summary>
    public string Id { get; }

    /// <summary>Requests per provider name and minute.</summary>
    public Dictionary<(string Provider, long Minute), int> Quota { get; }

    /// <summary>The renewal day of each provider in <see cref="Quota"/> (its monthly period's start).</summary>
    public Dictionary<string, int> RenewalDays { get; }

    /// <summary>Upstream-quota marks per provider name.</summary>
    public Dictionary<string, (DateTimeOffset Until, QuotaWindowKind Window)> Exhausted { get; }

    /// <summary>Usage per bucket.</summary>
    public Dictionary<UsageBucketKey, UsageCounts> Usage { get; }

    /// <summary>Cooldowns per tier key (<c>provider,model</c>).</summary>
    public Dictionary<string, (DateTimeOffset Until, string Reason)> Cooldowns { get; }

    /// <summary>The script's arguments (after the marker lifetime); providers <paramref name="hashOf"/> does not know (removed from the config) are left out.</summary>
    public List<RedisValue> BuildArguments(RedisKeys keys, Func<string, string?> hashOf)
    {
        var args = new List<RedisValue>(16 + (Quota.Count * 12) + (Usage.Count * 30))
        {
            (long)SharedBatchScript.MarkerLifetime.TotalMilliseconds,
        };

        foreach (KeyValuePair<(string Provider, long Minute), int> entry in Quota)
        {
            if (hashOf(entry.Key.Provider) is not string hash)
            {
                continue;
            }

            long minute = entry.Key.Minute;
            DateTimeOffset at = QuotaCalendar.MinuteStart(minute);
            int renewalDay = RenewalDays.TryGetValue(entry.Key.Provider, out int day) ? day : 1;
            Add(args, "h", keys.QuotaMinutes(hash, minute / 60), minute, entry.Value, s_minutesTtl);
            Add(args, "i", keys.QuotaWeek(hash, QuotaCalendar.WeekStart(at)), entry.Value, s_weekTtl);
            Add(args, "i", keys.QuotaMonth(hash, QuotaCalendar.MonthStart(at, renewalDay)), entry.Value, s_monthTtl);
        }

        foreach (KeyValuePair<string, (DateTimeOffset Until, QuotaWindowKind Window)> entry in Exhausted)
        {
            if (hashOf(entry.Key) is not string hash)
            {
                continue;
            }

            long until = entry.Value.Until.ToUnixTimeMilliseconds();
            args.Add("x");
            args.Add(keys.Exhausted(hash));
            args.Add(until);
            args.Add(until.ToString(CultureInfo.InvariantCulture) + "|" + entry.Value.Window.ToString());
        }

        var hours = new HashSet<long>();
        foreach (KeyValuePair<UsageBucketKey, UsageCounts> entry in Usage)
        {
            if (hashOf(entry.Key.Key.Provider) is not string hash)
            {
                continue;
            }

            string hourKey = keys.UsageHour(entry.Key.Hour);
            string field = SharedUsageField.Prefix(hash, entry.Key.Key);
            UsageCounts c = entry.Value;
            AddCounter(args, hourKey, field, SharedUsageField.Requests, c.Requests);
            AddCounter(args, hourKey, field, SharedUsageField.Input, c.InputTokens);
            AddCounter(args, hourKey, field, SharedUsageField.Output, c.OutputTokens);
            AddCounter(args, hourKey, field, SharedUsageField.CacheRead, c.CacheReadTokens);
            AddCounter(args, hourKey, field, SharedUsageField.CacheWrite, c.CacheWriteTokens);
            AddCounter(args, hourKey, field, SharedUsageField.Errors, c.Errors);
            AddCounter(args, hourKey, field, SharedUsageField.Fallbacks, c.Fallbacks);
            if (hours.Add(entry.Key.Hour))
            {
                args.Add("s");
                args.Add(keys.UsageHours);
                args.Add(entry.Key.Hour);
                args.Add(s_usageTtl);
            }
        }

        foreach (KeyValuePair<string, (DateTimeOffset Until, string Reason)> entry in Cooldowns)
        {
            int comma = entry.Key.IndexOf(',', StringComparison.Ordinal);
            if (comma <= 0 || hashOf(entry.Key[..comma]) is not string hash)
            {
                continue;
            }

            long until = entry.Value.Until.ToUnixTimeMilliseconds();
            args.Add("c");
            args.Add(keys.Cooldowns(hash));
            args.Add(entry.Key[(comma + 1)..]);
            args.Add(until);
            args.Add(until.ToString(CultureInfo.InvariantCulture) + "|" + entry.Value.Reason);
        }

        return args;
    }

    private static void Add(List<RedisValue> args, string op, string key, long field, long value, long ttl)
    {
        args.Add(op);
        args.Add(key);
        args.Add(field);
        args.Add(value);
        args.Add(ttl);
    }

    private static void Add(List<RedisValue> args, string op, string key, long value, long ttl)
    {
        args.Add(op);
        args.Add(key);
        args.Add(value);
        args.Add(ttl);
    }

    private static void AddCounter(List<RedisValue> args, string hourKey, string field, char counter, long value)
    {
        if (value != 0)
        {
            args.Add("h");
            args.Add(hourKey);
            args.Add(field + counter);
            args.Add(value);
            args.Add(s_usageTtl);
        }
    }
}
