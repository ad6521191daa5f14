namespace Ccr.Core.Routing;

/// <summary>The wire format the client spoke on its way in, before the endpoint translated it to Anthropic Messages.</summary>
internal enum ClientProtocol
{
    /// <summary><c>/v1/messages</c>, Invoke-CcrMessage and the provider ping: no translation on the way in.</summary>
    Anthropic,

    /// <summary><c>/v1/chat/completions</c>.</summary>
    OpenAIChat,

    /// <summary><c>/v1/responses</c>.</summary>
    OpenAIResponses,
}
