using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// Anthropic token counts. Anthropic reports cache reads and writes beside input_tokens; OpenAI's
/// prompt/input tokens include them, so <see cref="PromptTokens"/> adds them back.
/// </summary>
internal struct AnthropicUsage
{
    public long InputTokens;
    public long OutputTokens;
    public long CacheReadTokens;
    public long CacheCreationTokens;

    /// <summary>All counts absent (-1), so a later event's counts can be told from zeros.</summary>
    public static AnthropicUsage Unknown => new() { InputTokens = -1, OutputTokens = -1, CacheReadTokens = -1, CacheCreationTokens = -1 };

    public readonly long PromptTokens => Math.Max(InputTokens, 0) + Math.Max(CacheReadTokens, 0) + Math.Max(CacheCreationTokens, 0);

    public readonly long CompletionTokens => Math.Max(OutputTokens, 0);

    public readonly long CachedTokens => Math.Max(CacheReadTokens, 0);

    /// <summary>Takes every count the other one knows; message_delta's counts are cumulative, so later wins.</summary>
    public void MergeFrom(in AnthropicUsage other)
    {
        if (other.InputTokens >= 0)
        {
            InputTokens = other.InputTokens;
        }

        if (other.OutputTokens >= 0)
        {
            OutputTokens = other.OutputTokens;
        }

        if (other.CacheReadTokens >= 0)
        {
            CacheReadTokens = other.CacheReadTokens;
        }

        if (other.CacheCreationTokens >= 0)
        {
            CacheCreationTokens = other.CacheCreationTokens;
        }
    }

    /// <summary>Reads a usage object; the reader is on its property name.</summary>
    public void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                InputTokens = Json.ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                OutputTokens = Json.ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                CacheReadTokens = Json.ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                CacheCreationTokens = Json.ReadNumber(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>Reads a usage object from a parsed message.</summary>
    public static AnthropicUsage From(JsonElement message)
    {
        AnthropicUsage usage = Unknown;
        if (message.TryGetProperty("usage"u8, out JsonElement u) && u.ValueKind == JsonValueKind.Object)
        {
            usage.InputTokens = Count(u, "input_tokens"u8);
            usage.OutputTokens = Count(u, "output_tokens"u8);
            usage.CacheReadTokens = Count(u, "cache_read_input_tokens"u8);
            usage.CacheCreationTokens = Count(u, "cache_creation_input_tokens"u8);
        }

        return usage;
    }

    private static long Count(JsonElement usage, ReadOnlySpan<byte> name) =>
        usage.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) ? n : -1;
}
