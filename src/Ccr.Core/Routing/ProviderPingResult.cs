using Ccr.Core.Protocol;

namespace Ccr.Core.Routing;

/// <summary>How a one-token request to one provider ended.</summary>
/// <param name="Succeeded">The provider answered.</param>
/// <param name="Failure">What went wrong, or <see cref="ProviderPingFailure.None"/> on success.</param>
/// <param name="Error">The Anthropic-shaped error, or null on success.</param>
/// <param name="LatencyMs">Time to the answer or the failure.</param>
/// <param name="Model">The model that answered, as the upstream named it.</param>
internal sealed record ProviderPingResult(bool Succeeded, ProviderPingFailure Failure, AnthropicError? Error, double LatencyMs, string? Model);
