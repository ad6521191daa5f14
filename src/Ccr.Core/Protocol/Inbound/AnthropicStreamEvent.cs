using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// The fields of one Anthropic stream event that the OpenAI translations need, read with a single
/// Utf8JsonReader pass. Strings are kept as their raw quoted JSON tokens so they can be copied to the
/// output without unescaping and escaping again.
/// </summary>
internal ref struct AnthropicStreamEvent
{
    public ReadOnlySpan<byte> Type;
    public int Index;
    public ReadOnlySpan<byte> MessageId;
    public ReadOnlySpan<byte> MessageModel;
    public ReadOnlySpan<byte> BlockType;
    public ReadOnlySpan<byte> BlockId;
    public ReadOnlySpan<byte> BlockName;
    public ReadOnlySpan<byte> BlockText;
    public ReadOnlySpan<byte> DeltaType;
    public ReadOnlySpan<byte> DeltaText;
    public ReadOnlySpan<byte> StopReason;
    public ReadOnlySpan<byte> ErrorType;
    public ReadOnlySpan<byte> ErrorMessage;
    public AnthropicUsage Usage;

    /// <summary>Reads an event's data line.</summary>
    /// <exception cref="JsonException">The data is not a JSON object.</exception>
    public static AnthropicStreamEvent Parse(ReadOnlySpan<byte> json)
    {
        var e = new AnthropicStreamEvent { Usage = AnthropicUsage.Unknown };
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A stream event's data is not a JSON object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                e.Type = Json.ReadString(ref reader, json);
            }
            else if (reader.ValueTextEquals("index"u8))
            {
                e.Index = (int)Json.ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                ReadMessage(ref reader, json, ref e);
            }
            else if (reader.ValueTextEquals("content_block"u8))
            {
                ReadObject(ref reader, json, ref e, ObjectKind.Block);
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                ReadObject(ref reader, json, ref e, ObjectKind.Delta);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                e.Usage.Read(ref reader);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                ReadObject(ref reader, json, ref e, ObjectKind.Error);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return e;
    }

    private enum ObjectKind
    {
        Block,
        Delta,
        Error,
    }

    private static void ReadMessage(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, ref AnthropicStreamEvent e)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                e.MessageId = Json.ReadString(ref reader, json);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                e.MessageModel = Json.ReadString(ref reader, json);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                e.Usage.Read(ref reader);
            }
            else if (reader.ValueTextEquals("stop_reason"u8))
            {
                e.StopReason = Json.ReadString(ref reader, json);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ReadObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, ref AnthropicStreamEvent e, ObjectKind kind)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isType = reader.ValueTextEquals("type"u8);
            switch (kind)
            {
                case ObjectKind.Block when isType:
                    e.BlockType = Json.ReadString(ref reader, json);
                    break;
                case ObjectKind.Block when reader.ValueTextEquals("id"u8):
                    e.BlockId = Json.ReadString(ref reader, json);
                    break;
                case ObjectKind.Block when reader.ValueTextEquals("name"u8):
                    e.BlockName = Json.ReadString(ref reader, json);
                    break;
                case ObjectKind.Block when reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("thinking"u8):
                    e.BlockText = Json.ReadString(ref reader, json);
                    break;
                case ObjectKind.Delta when isType:
                    e.DeltaType = Json.ReadString(ref reader, json);
                    break;
                case ObjectKind.Delta when reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("thinking"u8) || reader.ValueTextEquals("partial_json"u8):
                    e.DeltaText = Json.ReadString(ref reader, json);
                    break;
                case ObjectKind.Delta when reader.ValueTextEquals("stop_reason"u8):
                    e.StopReason = Json.ReadString(ref reader, json);
                    break;
                case ObjectKind.Error when isType:
                    e.ErrorType = Json.ReadString(ref reader, json);
                    break;
                case ObjectKind.Error when reader.ValueTextEquals("message"u8):
                    e.ErrorMessage = Json.ReadString(ref reader, json);
                    break;
                default:
                    reader.Read();
                    reader.Skip();
                    break;
            }
        }
    }
}
