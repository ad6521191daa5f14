namespace Ccr.Core.Providers;

/// <summary>How a provider wants to be asked for reasoning ("thinking") on the OpenAI protocol.</summary>
internal enum ReasoningStyle
{
    /// <summary>OpenAI's <c>reasoning_effort</c> (low/medium/high) from the thinking budget.</summary>
    ReasoningEffort,

    /// <summary><c>enable_thinking</c> + <c>thinking_budget</c> (Qwen).</summary>
    EnableThinkingFlag,

    /// <summary>The model decides (a reasoner model always reasons); nothing is sent.</summary>
    ModelDecides,

    /// <summary><c>reasoning {max_tokens}</c>.</summary>
    ReasoningMaxTokens,

    /// <summary><c>thinking {type:"enabled"|"disabled"}</c> (GLM).</summary>
    ThinkingType,

    /// <summary><c>reasoning_split:true</c> so reasoning comes apart from the answer text.</summary>
    ReasoningSplit,

    /// <summary>Nothing is sent (Anthropic upstreams take the thinking field as-is).</summary>
    None,
}
