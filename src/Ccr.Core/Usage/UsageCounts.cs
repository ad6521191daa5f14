namespace Ccr.Core.Usage;

/// <summary>
/// What was counted for one key in one span: upstream requests, tokens by kind (input excludes cache reads and
/// writes, as Anthropic reports it, so the four kinds add up to the whole prompt plus completion), errors and fallbacks.
/// </summary>
internal struct UsageCounts
{
    /// <summary>Upstream requests (attempts), failed ones included.</summary>
    public long Requests;

    /// <summary>Prompt tokens that were neither read from nor written to the upstream's cache.</summary>
    public long InputTokens;

    /// <summary>Completion tokens.</summary>
    public long OutputTokens;

    /// <summary>Prompt tokens read from the upstream's cache.</summary>
    public long CacheReadTokens;

    /// <summary>Prompt tokens written to the upstream's cache.</summary>
    public long CacheWriteTokens;

    /// <summary>Attempts that failed (before or after the answer started).</summary>
    public long Errors;

    /// <summary>Attempts made here because the route's first target was skipped or failed.</summary>
    public long Fallbacks;

    /// <summary>True when nothing was counted.</summary>
    public readonly bool IsEmpty =>
        (Requests | InputTokens | OutputTokens | CacheReadTokens | CacheWriteTokens | Errors | Fallbacks) == 0;

    /// <summary>Adds <paramref name="other"/> to these counts.</summary>
    public void Add(in UsageCounts other)
    {
        Requests += other.Requests;
        InputTokens += other.InputTokens;
        OutputTokens += other.OutputTokens;
        CacheReadTokens += other.CacheReadTokens;
        CacheWriteTokens += other.CacheWriteTokens;
        Errors += other.Errors;
        Fallbacks += other.Fallbacks;
    }
}
