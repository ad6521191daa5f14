namespace Ccr.Core.Telemetry;

/// <summary>
/// One routing decision or upstream attempt, written as one JSON line (snake_case keys, nulls omitted).
/// Events: <c>route</c> (the target and where it came from), <c>attempt</c> (one upstream call),
/// <c>result</c> (what the client got).
/// </summary>
internal readonly record struct DecisionLogEntry
{
    /// <summary>When it happened; the log's clock is used when left default.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>The request id also returned to the client.</summary>
    public string? RequestId { get; init; }

    /// <summary><c>route</c>, <c>attempt</c> or <c>result</c>.</summary>
    public string Event { get; init; }

    /// <summary>explicit, preset, subagent, longContext, background, webSearch, think, default or tier0.</summary>
    public string? RouteSource { get; init; }

    /// <summary>The provider name.</summary>
    public string? Provider { get; init; }

    /// <summary>The model sent upstream.</summary>
    public string? Model { get; init; }

    /// <summary>The tier's index in <c>Router.tiers</c>, or null when the target is not a tier.</summary>
    public int? TierIndex { get; init; }

    /// <summary>The provider's <c>tier_name</c> (so <c>grep ccr-qwen ccr.log</c> finds its lines).</summary>
    public string? TierName { get; init; }

    /// <summary>1-based attempt number on this tier.</summary>
    public int? Attempt { get; init; }

    /// <summary>The upstream (attempt) or client (result) HTTP status.</summary>
    public int? Status { get; init; }

    /// <summary>ok, retry, fallback, skipped:&lt;reason&gt; or error.</summary>
    public string? Outcome { get; init; }

    /// <summary>Why a target was skipped, in words (e.g. "upstream said the FiveHour window is used up").</summary>
    public string? Reason { get; init; }

    /// <summary>Until when a skipped target stays out (cooldown, open circuit, used-up quota).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Milliseconds the attempt or request took.</summary>
    public double? LatencyMs { get; init; }

    /// <summary>Input tokens reported by upstream.</summary>
    public long? InputTokens { get; init; }

    /// <summary>Output tokens reported by upstream.</summary>
    public long? OutputTokens { get; init; }

    /// <summary>An Anthropic-style error type (rate_limit_error, overloaded_error...) or a transport error kind.</summary>
    public string? ErrorType { get; init; }

    /// <summary>The error text (redacted before it is written).</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Which deadline ended the attempt or request: connect_timeout, first_byte_timeout, idle_timeout or request_timeout.</summary>
    public string? Deadline { get; init; }

    /// <summary>The preset name when the request came through <c>/preset/{name}</c>.</summary>
    public string? Preset { get; init; }

    /// <summary>The request body, only when LOG_BODIES opts in; redacted like every other field.</summary>
    public string? Body { get; init; }
}
