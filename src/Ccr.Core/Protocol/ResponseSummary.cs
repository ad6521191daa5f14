using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol;

/// <summary>What a translated response amounted to, for the routing log and quota accounting.</summary>
/// <param name="StopReason">The Anthropic stop_reason, or null when the answer never finished.</param>
/// <param name="InputTokens">All prompt tokens, cached ones included (upstream's count, or our estimate when it gave none).</param>
/// <param name="OutputTokens">Completion tokens.</param>
/// <param name="CachedInputTokens">Prompt tokens served from the upstream's cache.</param>
/// <param name="CacheWriteTokens">Prompt tokens written to the upstream's cache (Anthropic's cache_creation_input_tokens).</param>
internal sealed record ResponseSummary(string? StopReason, int InputTokens, int OutputTokens, int CachedInputTokens, int CacheWriteTokens = 0);
