using Ccr.Core.Config;
using Ccr.Core.Quota;
using Ccr.Core.Usage;

namespace Ccr.Core.Persistence;

/// <summary>The local mode: nothing beyond the state files is shared, so every write is dropped and every read says "no shared view".</summary>
internal sealed class LocalSharedState : ISharedState
{
    /// <summary>The one instance.</summary>
    public static LocalSharedState Instance { get; } = new();

    private LocalSharedState()
    {
    }

    /// <inheritdoc/>
    public PersistenceStatus Status => PersistenceStatus.Local;

    /// <inheritdoc/>
    public Task WhenSettledAsync() => Task.CompletedTask;

    /// <inheritdoc/>
    public void Bind(CcrConfig config)
    {
    }

    /// <inheritdoc/>
    public void AddQuota(string provider, long minute, int count, int renewalDay)
    {
    }

    /// <inheritdoc/>
    public void MarkExhausted(string provider, DateTimeOffset until, QuotaWindowKind window)
    {
    }

    /// <inheritdoc/>
    public void AddUsage(in UsageBucketKey key, in UsageCounts delta)
    {
    }

    /// <inheritdoc/>
    public void CoolDown(string tierKey, DateTimeOffset until, string reason)
    {
    }

    /// <inheritdoc/>
    public QuotaUsage? ReadQuota(string provider) => null;

    /// <inheritdoc/>
    public bool MergeUsage(Dictionary<UsageBucketKey, UsageCounts> into, long fromHour, long toHour) => false;

    /// <inheritdoc/>
    public bool TryGetCooldown(string tierKey, DateTimeOffset now, out DateTimeOffset until, out string? reason)
    {
        until = default;
        reason = null;
        return false;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
