using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>Small Utf8JsonReader/Utf8JsonWriter helpers shared by the inbound translators.</summary>
internal static class Json
{
    /// <summary>Reads the value after a property name: a string's raw quoted token, or empty for null and anything else.</summary>
    public static ReadOnlySpan<byte> ReadString(scoped ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return json.Slice((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2);
        }

        reader.Skip();
        return default;
    }

    /// <summary>Reads the number after a property name; -1 when it is not a whole number.</summary>
    public static long ReadNumber(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value))
        {
            return value;
        }

        reader.Skip();
        return -1;
    }

    /// <summary>The content between the quotes of a raw string token (escapes kept).</summary>
    public static ReadOnlySpan<byte> Content(ReadOnlySpan<byte> quoted) => quoted.Length >= 2 ? quoted[1..^1] : default;

    /// <summary>Compares a raw token with plain ASCII; identifiers Anthropic sends never need escapes.</summary>
    public static bool Is(ReadOnlySpan<byte> quoted, ReadOnlySpan<byte> ascii) => Content(quoted).SequenceEqual(ascii);

    /// <summary>Writes a raw quoted token as a property value, or the fallback text when the token is absent.</summary>
    public static void WriteRaw(Utf8JsonWriter writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> quoted, string fallback = "")
    {
        writer.WritePropertyName(name);
        if (quoted.IsEmpty)
        {
            writer.WriteStringValue(fallback);
        }
        else
        {
            writer.WriteRawValue(quoted, skipInputValidation: true);
        }
    }

    /// <summary>Decodes a raw quoted token to a string (for the few values kept per stream, such as ids).</summary>
    public static string? Decode(ReadOnlySpan<byte> quoted)
    {
        if (quoted.IsEmpty)
        {
            return null;
        }

        ReadOnlySpan<byte> content = Content(quoted);
        if (content.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(content);
        }

        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        return reader.GetString();
    }

    /// <summary>Unix seconds, as OpenAI's created and created_at fields hold.</summary>
    public static long UnixSeconds(TimeProvider time) => time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Writes <c>data: {json}\n\n</c>, reusing the writer.</summary>
    public static void BeginDataLine(IBufferWriter<byte> output, Utf8JsonWriter writer)
    {
        output.Write("data: "u8);
        writer.Reset(output);
    }

    /// <summary>Ends a line begun with <see cref="BeginDataLine"/>.</summary>
    public static void EndLine(IBufferWriter<byte> output, Utf8JsonWriter writer)
    {
        writer.Flush();
        output.Write("\n\n"u8);
    }
}
