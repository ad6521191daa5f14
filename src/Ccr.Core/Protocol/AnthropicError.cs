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
