namespace Ccr.Core.Routing;

/// <summary>How the body sent upstream is made from the client's request, which also says how the answer comes back.</summary>
internal enum UpstreamRequestKind
{
    /// <summary>Anthropic request to an Anthropic-protocol upstream: passed through with the route's overrides; the answer goes back untouched.</summary>
    AnthropicPassthrough,

    /// <summary>An OpenAI chat client to an OpenAI upstream, no preset: the client's own body with the route's model; the answer goes back untouched.</summary>
    ChatPassthrough,

    /// <summary>Anthropic request translated to Chat Completions; the answer is translated back to Anthropic.</summary>
    AnthropicToOpenAI,
}
