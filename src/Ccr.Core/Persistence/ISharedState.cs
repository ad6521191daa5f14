using Ccr.Core.Config;
using Ccr.Core.Quota;
using Ccr.Core.Usage;

namespace Ccr.Core.Persistence;

/// <summary>
/// What several machines share beside the local state files: quota window counts, upstream-quota marks, usage buckets and
/// 429 cooldowns, per provider and key. Writes only add to memory (a background loop sends them); reads only look at a
/// local cache (a background loop refreshes it). Nothing here ever waits on the network, so the request path may call it.
/// The local mode is <see cref="LocalSharedState"/>, which shares nothing and answers "no shared view".
/// </summary>
internal interface ISharedState : IAsyncDisposable
{
    /// <summary>The mode and how Redis stands.</summary>
    PersistenceStatus Status { get; }

    /// <summary>Completes once the first connection attempt has an outcome (at once in local mode), for a start-up warning.</summary>
    Task WhenSettledAsync();

    /// <summary>Takes the providers of a (re)loaded config: their names map to the hashes shared state is keyed by.</summary>
    void Bind(CcrConfig config);

    /// <summary>Adds <paramref name="count"/> upstream requests of <paramref name="provider"/> in <paramref name="minute"/>.</summary>
    void AddQuota(string provider, long minute, int count, int renewalDay);

    /// <summary>Publishes that upstream said <paramref name="provider"/>'s quota is used up until <paramref name="until"/>.</summary>
    void MarkExhausted(string provider, DateTimeOffset until, QuotaWindowKind window);

    /// <summary>Adds usage to a bucket.</summary>
    void AddUsage(in UsageBucketKey key, in UsageCounts delta);

    /// <summary>Publishes a cooldown of the tier <paramref name="tierKey"/> (<c>provider,model</c>).</summary>
    void CoolDown(string tierKey, DateTimeOffset until, string reason);

    /// <summary>Every machine's counts for <paramref name="provider"/> as last read, plus this process's not yet sent; null when there is no current shared view.</summary>
    QuotaUsage? ReadQuota(string provider);

    /// <summary>Adds the shared buckets in [<paramref name="fromHour"/>, <paramref name="toHour"/>) to <paramref name="into"/>, keeping the larger count per field; false when there is no current shared view.</summary>
    bool MergeUsage(Dictionary<UsageBucketKey, UsageCounts> into, long fromHour, long toHour);

    /// <summary>A cooldown another machine (or this one) published for <paramref name="tierKey"/> that has not passed.</summary>
    bool TryGetCooldown(string tierKey, DateTimeOffset now, out DateTimeOffset until, out string? reason);
}
