namespace Ccr.Core.Config;

/// <summary>Retries of one tier before falling to the next.</summary>
/// <param name="MaxRetries">Retries after the first attempt (total attempts = 1 + this).</param>
/// <param name="BaseBackoffMs">Delay before the first retry.</param>
/// <param name="BackoffMultiplier">Factor applied to the delay for each further retry.</param>
public sealed record RetryPolicy(int MaxRetries, int BaseBackoffMs, double BackoffMultiplier)
{
    /// <summary>The default when <c>tierRetries</c> says nothing: CCR-Rust's 3 retries from 100 ms, doubling.</summary>
    public static RetryPolicy Default { get; } = new(3, 100, 2.0);

    /// <summary>
    /// <c>stream_first_event_timeout_ms</c> (CCR-Rust's name): this tier's first-byte deadline, over
    /// <c>FIRST_BYTE_TIMEOUT_MS</c>. Null: the global one.
    /// </summary>
    public int? FirstByteTimeoutMs { get; init; }

    /// <summary><c>stream_idle_timeout_ms</c> (CCR-Rust's name): this tier's idle deadline, over <c>API_TIMEOUT_MS</c>. Null: the global one.</summary>
    public int? IdleTimeoutMs { get; init; }

    /// <summary>
    /// <c>retry_on_timeout</c>: a timeout may be retried once on this tier (within <see cref="MaxRetries"/>) before the
    /// request moves on. Off by default: a provider that hung once usually hangs again.
    /// </summary>
    public bool RetryOnTimeout { get; init; }
}
