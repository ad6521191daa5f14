using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// The Chat Completions request as the client sent it, for an OpenAI-protocol upstream: every
/// top-level member is copied as its original bytes; only <c>model</c> becomes the routed model and
/// token limits are capped to what the provider accepts. No Anthropic round trip in between.
/// </summary>
internal static class OpenAIChatPassthrough
{
    public static void Write(ReadOnlySpan<byte> chatBody, string model, int? maxTokensCap, IBufferWriter<byte> output)
    {
        var reader = new Utf8JsonReader(chatBody, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A Chat Completions request must be a JSON object.");
        }

        writer.WriteStartObject();
        writer.WriteString("model"u8, model);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            bool isModel = name == "model";
            bool isLimit = name is "max_tokens" or "max_completion_tokens";
            reader.Read();
            long valueStart = reader.TokenStartIndex;
            reader.Skip();
            long valueEnd = reader.BytesConsumed;
            if (isModel)
            {
                continue;
            }

            if (isLimit && maxTokensCap is int cap && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long limit) && limit > cap)
            {
                writer.WriteNumber(name, cap);
                continue;
            }

            writer.WritePropertyName(name);
            writer.WriteRawValue(chatBody[(int)valueStart..(int)valueEnd], skipInputValidation: true);
        }

        writer.WriteEndObject();
    }
}
