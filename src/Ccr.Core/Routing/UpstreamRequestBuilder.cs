using System.Buffers;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Protocol.Inbound;

namespace Ccr.Core.Routing;

/// <summary>
/// Builds the body sent to one target: the client's chat body passed through, the Anthropic body passed
/// through with the route's overrides, or the Anthropic body translated to Chat Completions.
/// </summary>
internal static class UpstreamRequestBuilder
{
    /// <summary>
    /// Chooses the translation. An OpenAI chat client and an OpenAI upstream need no Anthropic round trip,
    /// unless a preset must change the request (presets are applied to the Anthropic form).
    /// </summary>
    public static UpstreamRequestKind Choose(InboundRequest request, WireProtocol upstream, bool hasPreset)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (upstream == WireProtocol.Anthropic)
        {
            return UpstreamRequestKind.AnthropicPassthrough;
        }

        bool sameProtocol = request.ClientProtocol == ClientProtocol.OpenAIChat && request.ClientChatBody is not null && request.ClientSink is not null;
        return sameProtocol && !hasPreset ? UpstreamRequestKind.ChatPassthrough : UpstreamRequestKind.AnthropicToOpenAI;
    }

    /// <summary>Writes the upstream body for <paramref name="target"/> into <paramref name="output"/> and says how it was made.</summary>
    /// <exception cref="AnthropicRequestException">A part of the request the translator cannot read (the client's mistake).</exception>
    public static UpstreamRequestKind Write(InboundRequest request, PresetConfig? preset, PlannedTarget target, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(request);
        ProviderRuntime provider = target.Provider ?? throw new ArgumentException("The target has no provider.", nameof(target));
        UpstreamRequestKind kind = Choose(request, provider.Config.Protocol, preset is not null);
        if (kind == UpstreamRequestKind.ChatPassthrough)
        {
            OpenAIChatPassthrough.Write(request.ClientChatBody!.Value.Span, target.Target.Model, provider.Profile.MaxTokensCapFor(target.Target.Model), output);
            return kind;
        }

        var overrides = new RequestOverrides
        {
            Model = target.Target.Model,
            Temperature = preset?.Temperature,
            MaxTokens = preset?.MaxTokens,
            TopP = preset?.TopP,
            System = preset?.System,
            StripSubagentTag = request.Facts.SubagentRoute is not null,
        };

        if (kind == UpstreamRequestKind.AnthropicPassthrough)
        {
            AnthropicPassthroughRequest.Write(request.Body.Span, overrides, provider.Profile, output);
        }
        else
        {
            AnthropicToOpenAIRequest.Write(request.Body.Span, overrides, provider.Profile, output);
        }

        return kind;
    }
}
