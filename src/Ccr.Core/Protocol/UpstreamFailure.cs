using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol;

/// <summary>One failed upstream attempt, classified.</summary>
/// <param name="Error">What the client sees if this is the last attempt.</param>
/// <param name="Kind">The failure class.</param>
/// <param name="Retryable">True when another attempt (same tier or next) may succeed.</param>
/// <param name="ClientFault">True when the request itself is wrong: return at once, do not burn other tiers.</param>
/// <param name="RetryAfter">How long the upstream asked us to wait, when it said.</param>
internal sealed record UpstreamFailure(AnthropicError Error, FailureKind Kind, bool Retryable, bool ClientFault, TimeSpan? RetryAfter)
{
    /// <summary>For a used-up quota, what the provider's own words said: which window, and the reset when they gave one.</summary>
    public Providers.UpstreamLimit Limit { get; init; }
}
