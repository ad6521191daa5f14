namespace Ccr.Core.Config;

/// <summary>Retries of one tier before falling to the next.</summary>
/// <param name="MaxRetries">Retries after the first attempt (total attempts = 1 + this).</param>
/// <param name="BaseBackoffMs">Delay before the first retry.</param>
/// <param name="BackoffMultiplier">Factor applied to the delay for each further retry.</param>
public sealed record RetryPolicy(int MaxRetries, int BaseBackoffMs, double BackoffMultiplier)
{
    /// <summary>The default when <c>tierRetries</c> says nothing: CCR-Rust's 3 retries from 100 ms, doubling.</summary>
    public static RetryPolicy Default { get; } = new(3, 100, 2.0);
}
