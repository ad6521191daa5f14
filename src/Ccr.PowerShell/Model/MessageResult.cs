namespace Ccr.PowerShell;

/// <summary>One answer from Invoke-CcrMessage.</summary>
public sealed class MessageResult
{
    /// <summary>The assistant's text.</summary>
    public string Text { get; init; } = "";

    /// <summary>The model that answered (the route's model).</summary>
    public string? Model { get; init; }

    /// <summary>The provider that answered.</summary>
    public string? Provider { get; init; }

    /// <summary>The tier index that answered, or -1 when the target is not in Router.tiers.</summary>
    public int Tier { get; init; } = -1;

    /// <summary>The provider's tier_name (what the routing log shows).</summary>
    public string? TierName { get; init; }

    /// <summary>end_turn, max_tokens, stop_sequence or tool_use.</summary>
    public string? StopReason { get; init; }

    /// <summary>Input tokens the provider counted.</summary>
    public int InputTokens { get; init; }

    /// <summary>Output tokens the provider counted.</summary>
    public int OutputTokens { get; init; }

    /// <summary>Time from sending to the end of the answer, fallbacks included.</summary>
    public double LatencyMs { get; init; }

    /// <summary>Upstream requests made (more than one after retries or fallback).</summary>
    public int Attempts { get; init; }

    /// <summary>True when the answer was streamed.</summary>
    public bool Streamed { get; init; }

    /// <summary>The text.</summary>
    public override string ToString() => Text;
}
