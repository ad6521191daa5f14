using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol;

/// <summary>An error in the Anthropic Messages API shape, with the HTTP status it is returned under.</summary>
/// <param name="Status">The HTTP status sent to the client (400, 401, 429, 500, 529...).</param>
/// <param name="Type">The Anthropic error type (<c>invalid_request_error</c>, <c>authentication_error</c>, <c>rate_limit_error</c>, <c>api_error</c>, <c>overloaded_error</c>...).</param>
/// <param name="Message">What went wrong and, where we know it, how to fix it.</param>
public sealed record AnthropicError(int Status, string Type, string Message)
{
    /// <summary>Writes <c>{"type":"error","error":{"type":..,"message":..},"request_id":..}</c>.</summary>
    /// <param name="output">Where the UTF-8 JSON goes.</param>
    /// <param name="requestId">The request id to echo, or null to leave it out.</param>
    public void WriteJson(IBufferWriter<byte> output, string? requestId)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var writer = new Utf8JsonWriter(output, JsonOutput.WriterOptions);
        WriteJson(writer, requestId);
    }

    internal void WriteJson(Utf8JsonWriter writer, string? requestId)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "error"u8);
        writer.WriteStartObject("error"u8);
        writer.WriteString("type"u8, Type);
        writer.WriteString("message"u8, Message);
        writer.WriteEndObject();
        if (requestId is not null)
        {
            writer.WriteString("request_id"u8, requestId);
        }

        writer.WriteEndObject();
    }

    internal static AnthropicError InvalidRequest(string message) => new(400, "invalid_request_error", message);
}

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

/// <summary>Why an upstream attempt failed, as the router needs to know it.</summary>
internal enum FailureKind
{
    Auth,
    QuotaExceeded,
    RateLimited,
    ContextTooLong,
    BadRequest,
    Server,
    Timeout,
    Network,
    InvalidResponse,
}

/// <summary>One failed upstream attempt, classified.</summary>
/// <param name="Error">What the client sees if this is the last attempt.</param>
/// <param name="Kind">The failure class.</param>
/// <param name="Retryable">True when another attempt (same tier or next) may succeed.</param>
/// <param name="ClientFault">True when the request itself is wrong: return at once, do not burn other tiers.</param>
/// <param name="RetryAfter">How long the upstream asked us to wait, when it said.</param>
internal sealed record UpstreamFailure(AnthropicError Error, FailureKind Kind, bool Retryable, bool ClientFault, TimeSpan? RetryAfter);

/// <summary>An upstream answered, but not with something we can translate (an error inside a 200, garbage).</summary>
internal sealed class UpstreamProtocolException : Exception
{
    public UpstreamProtocolException(UpstreamFailure failure)
        : base(failure?.Error.Message)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Failure = failure;
    }

    public UpstreamProtocolException(UpstreamFailure failure, Exception inner)
        : base(failure?.Error.Message, inner)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Failure = failure;
    }

    public UpstreamFailure Failure { get; }

    internal static UpstreamProtocolException Invalid(string message, Exception? inner = null)
    {
        var failure = new UpstreamFailure(new AnthropicError(502, "api_error", message), FailureKind.InvalidResponse, Retryable: true, ClientFault: false, RetryAfter: null);
        return inner is null ? new UpstreamProtocolException(failure) : new UpstreamProtocolException(failure, inner);
    }
}

/// <summary>What a translated response amounted to, for the routing log and quota accounting.</summary>
/// <param name="StopReason">The Anthropic stop_reason, or null when the answer never finished.</param>
/// <param name="InputTokens">Prompt tokens (upstream's count, or our estimate when it gave none).</param>
/// <param name="OutputTokens">Completion tokens.</param>
/// <param name="CachedInputTokens">Prompt tokens served from the upstream's cache.</param>
internal sealed record ResponseSummary(string? StopReason, int InputTokens, int OutputTokens, int CachedInputTokens);

/// <summary>Shared writer settings: compact, and no escaping of non-ASCII (a proxy must not bloat CJK text sixfold).</summary>
internal static class JsonOutput
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        SkipValidation = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 };

    public static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 };
}
