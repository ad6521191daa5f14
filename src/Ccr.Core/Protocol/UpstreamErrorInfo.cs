using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ccr.Core.Config;

namespace Ccr.Core.Protocol;

/// <summary>The code, type and message of an upstream error body, whatever vendor shape it has.</summary>
internal sealed class UpstreamErrorInfo
{
    public bool IsError { get; private init; }

    public string? Code { get; private set; }

    public string? Type { get; private set; }

    public string? Message { get; private set; }

    public string RawSnippet { get; private init; } = "";

    /// <summary>Reads OpenAI <c>{"error":{...}}</c>, Anthropic <c>{"type":"error",...}</c>, DashScope native <c>{"code","message"}</c> and MiniMax <c>base_resp</c>.</summary>
    public static UpstreamErrorInfo Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!JsonDocument.TryParseValue(ref reader, out JsonDocument? parsed))
            {
                return new UpstreamErrorInfo { RawSnippet = Snippet(body) };
            }

            document = parsed;
        }
        catch (JsonException)
        {
            return new UpstreamErrorInfo { RawSnippet = Snippet(body) };
        }

        using (document)
        {
            return Read(document.RootElement, body) ?? new UpstreamErrorInfo { RawSnippet = Snippet(body) };
        }
    }

    /// <summary>False when <paramref name="body"/> is a JSON object none of whose top-level names is one an error shape uses.</summary>
    public static bool MayBeError(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return true;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("error"u8) || reader.ValueTextEquals("base_resp"u8) || reader.ValueTextEquals("code"u8))
                {
                    return true;
                }

                if (!reader.TrySkip())
                {
                    return true;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return true;
        }
    }

    /// <summary>The error described by <paramref name="root"/>, or null when it describes none.</summary>
    public static UpstreamErrorInfo? Read(JsonElement root, ReadOnlySpan<byte> body)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (root.TryGetProperty("error", out JsonElement error) && error.ValueKind is JsonValueKind.Object or JsonValueKind.String)
        {
            var info = new UpstreamErrorInfo { IsError = true, RawSnippet = Snippet(body) };
            if (error.ValueKind == JsonValueKind.String)
            {
                info.Message = error.GetString();
            }
            else
            {
                info.Code = AsText(error, "code");
                info.Type = AsText(error, "type");
                info.Message = AsText(error, "message");
            }

            info.Code ??= AsText(root, "code");
            return info;
        }

        if (root.TryGetProperty("base_resp", out JsonElement baseResp) && baseResp.ValueKind == JsonValueKind.Object &&
            baseResp.TryGetProperty("status_code", out JsonElement statusCode) && statusCode.ValueKind == JsonValueKind.Number && statusCode.TryGetInt32(out int statusValue) && statusValue != 0)
        {
            return new UpstreamErrorInfo
            {
                IsError = true,
                RawSnippet = Snippet(body),
                Code = statusValue.ToString(CultureInfo.InvariantCulture),
                Message = AsText(baseResp, "status_msg"),
            };
        }

        bool hasChoices = root.TryGetProperty("choices", out JsonElement choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0;
        if (!hasChoices && AsText(root, "code") is string code && code != "0" && code != "200" && AsText(root, "message") is string message)
        {
            return new UpstreamErrorInfo { IsError = true, RawSnippet = Snippet(body), Code = code, Message = message };
        }

        return null;
    }

    private static string Snippet(ReadOnlySpan<byte> body) => Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)]).Trim();

    private static string? AsText(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }
}
