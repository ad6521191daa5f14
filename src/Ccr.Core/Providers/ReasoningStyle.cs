using System.Net.Http.Headers;
using Ccr.Core.Config;

namespace Ccr.Core.Providers;

/// <summary>How a provider wants to be asked for reasoning ("thinking").</summary>
internal enum ReasoningStyle
{
    /// <summary>OpenAI's <c>reasoning_effort</c> (low/medium/high) from the thinking budget.</summary>
    ReasoningEffort,

    /// <summary>DashScope/Qwen: <c>enable_thinking</c> + <c>thinking_budget</c>.</summary>
    DashScope,

    /// <summary>DeepSeek: the model decides (deepseek-reasoner always reasons); nothing is sent.</summary>
    DeepSeek,

    /// <summary>OpenRouter: <c>reasoning {max_tokens}</c>.</summary>
    OpenRouter,

    /// <summary>Z.ai / GLM: <c>thinking {type:"enabled"}</c>.</summary>
    Zai,

    /// <summary>MiniMax: <c>reasoning_split:true</c> so reasoning comes apart from the answer text.</summary>
    MiniMax,

    /// <summary>Nothing is sent (Anthropic upstreams take the thinking field as-is).</summary>
    None,
}
