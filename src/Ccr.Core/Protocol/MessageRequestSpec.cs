using System.Buffers;
using System.Text.Json;
using Ccr.Core.Protocol;

namespace Ccr.Core.Protocol;

/// <summary>What Invoke-CcrMessage asks: one user message and the optional request fields.</summary>
internal sealed class MessageRequestSpec
{
    /// <summary><c>provider,model</c>, or null to let the router choose (preset, default, tier 0).</summary>
    public string? Model { get; init; }

    public required string Message { get; init; }

    public string? System { get; init; }

    /// <summary>Left out when null, so a preset's max_tokens applies.</summary>
    public int? MaxTokens { get; init; }

    public double? Temperature { get; init; }

    public bool Stream { get; init; }
}
