namespace Ccr.Core.Config;

/// <summary>The wire protocol an upstream speaks.</summary>
public enum WireProtocol
{
    /// <summary>OpenAI Chat Completions (<c>/chat/completions</c>).</summary>
    OpenAI,

    /// <summary>Anthropic Messages (<c>/v1/messages</c>).</summary>
    Anthropic,
}
