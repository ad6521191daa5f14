namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// An OpenAI-format request that cannot be translated: the endpoint answers it at once with an
/// OpenAI-shaped error (see <see cref="OpenAIErrorWriter"/>)
/// instead of sending it to any provider.
/// </summary>
internal sealed class InboundRequestException : Exception
{
    public InboundRequestException(string message, string? param, int status = 400, string errorType = "invalid_request_error")
        : base(message)
    {
        Param = param;
        Status = status;
        ErrorType = errorType;
    }

    /// <summary>A body whose strings cannot be read as text (a lone surrogate escape such as <c>\ud800</c>).</summary>
    public static InboundRequestException InvalidText(Exception inner) =>
        new("The request body has a string with an invalid \\u escape (a lone surrogate); send valid UTF-16 escapes. (" + inner.Message + ")", null);

    /// <summary>HTTP status to answer with.</summary>
    public int Status { get; }

    /// <summary>OpenAI error type, such as invalid_request_error.</summary>
    public string ErrorType { get; }

    /// <summary>Where in the request the problem is, as a path like <c>messages[2].content[0].type</c>; null for the whole body.</summary>
    public string? Param { get; }
}
