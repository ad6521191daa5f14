using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// Writes errors in OpenAI's shape, <c>{"error":{"message","type","param","code"}}</c>, so OpenAI SDKs
/// raise their usual exception types (bad request, authentication, rate limit, server).
/// </summary>
internal static class OpenAIErrorWriter
{
    /// <summary>Writes a router or upstream error (Anthropic types) with the matching OpenAI type and code.</summary>
    public static void Write(AnthropicError error, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(error);
        (string type, string? code) = Map(error);
        WriteObject(output, error.Message, type, code, null);
    }

    /// <summary>Writes a translation refusal with the request path it concerns.</summary>
    public static void Write(InboundRequestException error, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(error);
        WriteObject(output, error.Message, error.ErrorType, null, error.Param);
    }

    /// <summary>The OpenAI error type and code for an Anthropic error type, falling back on the status.</summary>
    internal static (string Type, string? Code) Map(AnthropicError error)
    {
        switch (error.Type)
        {
            case "invalid_request_error":
                return ("invalid_request_error", null);
            case "request_too_large":
                return ("invalid_request_error", "request_too_large");
            case "authentication_error":
                return ("authentication_error", "invalid_api_key");
            case "permission_error":
                return ("permission_error", "permission_denied");
            case "not_found_error":
                return ("not_found_error", "not_found");
            case "rate_limit_error":
                return IsQuota(error) ? ("insufficient_quota", "insufficient_quota") : ("rate_limit_error", "rate_limit_exceeded");
            case "overloaded_error":
                return ("server_error", "overloaded");
            case "timeout_error":
                return ("server_error", "timeout");
            case "api_error":
                return ("server_error", null);
        }

        return error.Status switch
        {
            401 => ("authentication_error", "invalid_api_key"),
            403 => ("permission_error", "permission_denied"),
            404 => ("not_found_error", "not_found"),
            429 => IsQuota(error) ? ("insufficient_quota", "insufficient_quota") : ("rate_limit_error", "rate_limit_exceeded"),
            >= 400 and < 500 => ("invalid_request_error", null),
            _ => ("server_error", null),
        };
    }

    /// <summary>
    /// A spent subscription quota and a short rate limit both reach us as 429; OpenAI clients treat
    /// insufficient_quota as "do not retry", so only the message tells them apart.
    /// </summary>
    private static bool IsQuota(AnthropicError error) =>
        error.Message.Contains("quota", StringComparison.OrdinalIgnoreCase);

    private static void WriteObject(IBufferWriter<byte> output, string message, string type, string? code, string? param)
    {
        using var writer = new Utf8JsonWriter(output, JsonOutput.WriterOptions);
        WriteErrorObject(writer, message, type, code, param);
        writer.Flush();
    }

    /// <summary>Writes <c>{"error":{...}}</c> at the writer's current position.</summary>
    internal static void WriteErrorObject(Utf8JsonWriter writer, string message, string type, string? code, string? param)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, message);
        writer.WriteString("type"u8, type);
        writer.WriteString("param"u8, param);
        writer.WriteString("code"u8, code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Reads the router's Anthropic error body (<c>{"type":"error","error":{"type","message"}}</c>);
    /// a body of another shape becomes a generic error carrying its text, so nothing is hidden.
    /// </summary>
    internal static AnthropicError ReadAnthropicError(int status, ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (!reader.ValueTextEquals("error"u8))
                    {
                        reader.Read();
                        reader.Skip();
                        continue;
                    }

                    string? type = null;
                    string? message = null;
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        bool isType = reader.ValueTextEquals("type"u8);
                        bool isMessage = reader.ValueTextEquals("message"u8);
                        reader.Read();
                        if (isType && reader.TokenType == JsonTokenType.String)
                        {
                            type = reader.GetString();
                        }
                        else if (isMessage && reader.TokenType == JsonTokenType.String)
                        {
                            message = reader.GetString();
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }

                    if (message is not null)
                    {
                        return new AnthropicError(status, type ?? "api_error", message);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: reported below with the body's text.
        }

        string text = System.Text.Encoding.UTF8.GetString(body.Length > 2048 ? body[..2048] : body);
        return new AnthropicError(status, "api_error", "The router answered with status " + status.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": " + text);
    }
}
