using System.Text;
using System.Text.Json;
using Ccr.Core.Providers;

namespace Ccr.Core.Protocol;

/// <summary>The code, type and message of an upstream error body, whatever vendor shape it has.</summary>
internal sealed class UpstreamErrorInfo
{
    public bool IsError { get; private init; }

    public string? Code { get; private init; }

    public string? Type { get; private init; }

    public string? Message { get; private init; }

    public string RawSnippet { get; private init; } = "";

    /// <summary>Reads OpenAI <c>{"error":{...}}</c>, Anthropic <c>{"type":"error",...}</c>, and every provider family's own error shape.</summary>
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
                if (NamesErrorMember(ref reader))
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
        if (root.ValueKind != JsonValueKind.Object || ProviderFamilies.ReadError(root) is not ProviderErrorFields fields)
        {
            return null;
        }

        return new UpstreamErrorInfo { IsError = true, RawSnippet = Snippet(body), Code = fields.Code, Type = fields.Type, Message = fields.Message };
    }

    private static bool NamesErrorMember(ref Utf8JsonReader reader)
    {
        IReadOnlyList<byte[]> names = ProviderFamilies.ErrorMemberNames;
        for (int i = 0; i < names.Count; i++)
        {
            if (reader.ValueTextEquals(names[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static string Snippet(ReadOnlySpan<byte> body) => Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)]).Trim();
}
