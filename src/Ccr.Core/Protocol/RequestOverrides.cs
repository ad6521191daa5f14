namespace Ccr.Core.Protocol;

/// <summary>What the router decided, applied while the upstream request is written.</summary>
internal sealed class RequestOverrides
{
    /// <summary>The upstream model name (the part after the comma in <c>provider,model</c>).</summary>
    public required string Model { get; init; }

    /// <summary>Preset default, used only when the body has no <c>temperature</c>.</summary>
    public double? Temperature { get; init; }

    /// <summary>Preset default, used only when the body has no <c>max_tokens</c>.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Preset default, used only when the body has no <c>top_p</c>.</summary>
    public double? TopP { get; init; }

    /// <summary>Preset default, used only when the body has no <c>system</c>.</summary>
    public string? System { get; init; }

    /// <summary>Remove a leading subagent tag from the system prompt (it routed this request; the model must not see it).</summary>
    public bool StripSubagentTag { get; init; }
}
