namespace Ccr.Core.Config;

/// <summary>
/// <c>"Persistence": { "mode": "redis", "redis_url": "redis://127.0.0.1:6379/0", "redis_prefix": "ccr:" }</c> (CCR-Rust's
/// names): where quota windows, upstream-quota marks, usage buckets and 429 cooldowns are shared. Absent, or any problem
/// with it, means <see cref="PersistenceMode.Local"/>; a bad Redis block is a warning, never a reason to refuse the config.
/// </summary>
internal sealed class PersistenceConfig
{
    /// <summary>The default: the local state files only.</summary>
    public static PersistenceConfig Local { get; } = new();

    /// <summary>The prefix of every Redis key when <c>redis_prefix</c> is not given.</summary>
    public const string DefaultPrefix = "ccr:";

    /// <summary>The mode in force (already <see cref="PersistenceMode.Local"/> when the Redis block was unusable).</summary>
    public PersistenceMode Mode { get; init; } = PersistenceMode.Local;

    /// <summary>The parsed <c>redis_url</c>, <c>${VAR}</c> expanded; set in Redis mode only.</summary>
    public Persistence.RedisEndpoint? Redis { get; init; }

    /// <summary>The prefix of every key Ccr writes, so several tools can share one Redis database.</summary>
    public string Prefix { get; init; } = DefaultPrefix;
}
