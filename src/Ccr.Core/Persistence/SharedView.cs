using System.Runtime.InteropServices;
using Ccr.Core.Quota;
using Ccr.Core.Usage;

namespace Ccr.Core.Persistence;

/// <summary>
/// One read of Redis, never changed after it is built: every machine's quota counts and marks per provider name (with
/// this process's unsent counts added), the usage buckets, and the cooldowns per tier key. Readers on the request path
/// take the reference and look; the refresher builds the next one and swaps it in.
/// </summary>
internal sealed class SharedView(
    Dictionary<string, QuotaUsage> quota,
    Dictionary<long, Dictionary<UsageKey, UsageCounts>> usageHours,
    Dictionary<UsageBucketKey, UsageCounts> unsentUsage,
    Dictionary<string, (DateTimeOffset Until, string Reason)> cooldowns)
{
    /// <summary>Quota per provider name.</summary>
    public Dictionary<string, QuotaUsage> Quota { get; } = quota;

    /// <summary>Usage per hour, as Redis holds it.</summary>
    public Dictionary<long, Dictionary<UsageKey, UsageCounts>> UsageHours { get; } = usageHours;

    /// <summary>Usage this process counted that Redis did not hold at the read.</summary>
    public Dictionary<UsageBucketKey, UsageCounts> UnsentUsage { get; } = unsentUsage;

    /// <summary>Cooldowns per tier key (<c>provider,model</c>).</summary>
    public Dictionary<string, (DateTimeOffset Until, string Reason)> Cooldowns { get; } = cooldowns;

    /// <summary>Shared buckets in [<paramref name="fromHour"/>, <paramref name="toHour"/>), unsent counts added.</summary>
    public Dictionary<UsageBucketKey, UsageCounts> Usage(long fromHour, long toHour)
    {
        var result = new Dictionary<UsageBucketKey, UsageCounts>();
        foreach (KeyValuePair<long, Dictionary<UsageKey, UsageCounts>> hour in UsageHours)
        {
            if (hour.Key < fromHour || hour.Key >= toHour)
            {
                continue;
            }

            foreach (KeyValuePair<UsageKey, UsageCounts> bucket in hour.Value)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(result, new UsageBucketKey(hour.Key, bucket.Key), out _).Add(bucket.Value);
            }
        }

        foreach (KeyValuePair<UsageBucketKey, UsageCounts> unsent in UnsentUsage)
        {
            if (unsent.Key.Hour >= fromHour && unsent.Key.Hour < toHour)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(result, unsent.Key, out _).Add(unsent.Value);
            }
        }

        return result;
    }
}
