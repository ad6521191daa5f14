using Ccr.Core.Protocol;

namespace Ccr.Core.Routing;

/// <summary>A request as the router needs it: the raw body, what was read from it, and where it came in.</summary>
internal sealed class InboundRequest
{
    public required ReadOnlyMemory<byte> Body { get; init; }

    public required RequestFacts Facts { get; init; }

    public string? PresetName { get; init; }

    public required string RequestId { get; init; }

    /// <summary>The format the client spoke; <see cref="Body"/> is always its Anthropic form.</summary>
    public ClientProtocol ClientProtocol { get; init; } = ClientProtocol.Anthropic;

    /// <summary>The client's own Chat Completions body, when it came in on /v1/chat/completions: an OpenAI-protocol upstream gets it as it is.</summary>
    public ReadOnlyMemory<byte>? ClientChatBody { get; init; }

    /// <summary>
    /// The endpoint's own sink, beneath the one that translates Anthropic answers back to the client's format:
    /// an upstream that already speaks the client's protocol writes here, untranslated. Null when there is none.
    /// </summary>
    public IResponseSink? ClientSink { get; init; }

    /// <summary>
    /// Fires when the proxy stops and its drain time runs out. The request then ends like one past its total
    /// deadline: with an Anthropic error (an error event mid-stream) the client can act on, never a dropped socket.
    /// </summary>
    public CancellationToken ServerStopping { get; init; }

    /// <summary>anthropic-version and anthropic-beta, passed on to Anthropic-protocol upstreams.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ForwardHeaders { get; init; } = Array.Empty<KeyValuePair<string, string>>();
}
