using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol;

/// <summary>The inbound Anthropic request cannot be used; becomes a 400 <c>invalid_request_error</c>.</summary>
internal sealed class AnthropicRequestException : Exception
{
    public AnthropicRequestException(string message)
        : base(message)
    {
        Error = AnthropicError.InvalidRequest(message);
    }

    public AnthropicRequestException(string message, Exception inner)
        : base(message, inner)
    {
        Error = AnthropicError.InvalidRequest(message);
    }

    public AnthropicError Error { get; }
}
