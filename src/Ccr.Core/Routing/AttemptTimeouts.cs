using Ccr.Core.Config;

namespace Ccr.Core.Routing;

/// <summary>The three deadlines of one attempt at one tier.</summary>
/// <param name="Connect">To open the connection (CONNECT_TIMEOUT_MS).</param>
/// <param name="FirstByte">From sending to the first byte of the answer, or a stream's first event (FIRST_BYTE_TIMEOUT_MS).</param>
/// <param name="Idle">Between bytes once the answer has begun (API_TIMEOUT_MS).</param>
internal readonly record struct AttemptTimeouts(TimeSpan Connect, TimeSpan FirstByte, TimeSpan Idle)
{
    /// <summary>The first-byte deadline when neither FIRST_BYTE_TIMEOUT_MS nor the tier says: reasoning models think this long before they answer.</summary>
    public const int DefaultFirstByteMs = 120_000;

    /// <summary>Resolves the deadlines for one tier: the tier's <c>tierRetries</c> entry first, then the top-level keys.</summary>
    public static AttemptTimeouts For(CcrConfig config, RetryPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(policy);

        // Without a first-byte key, a small API_TIMEOUT_MS still caps the wait for the first byte: configs written
        // before the deadlines were split expect a hung provider to be left that soon.
        int firstByte = policy.FirstByteTimeoutMs ?? config.FirstByteTimeoutMs ?? Math.Min(DefaultFirstByteMs, config.ApiTimeoutMs);
        int idle = policy.IdleTimeoutMs ?? config.ApiTimeoutMs;
        return new AttemptTimeouts(Ms(config.ConnectTimeoutMs), Ms(firstByte), Ms(idle));
    }

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(Math.Max(1, milliseconds));
}
