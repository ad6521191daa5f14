using System.Buffers;
using System.Text.Json;
using Ccr.Core.Buffers;

namespace Ccr.Core.Protocol;

/// <summary>Token usage read from an OpenAI body or chunk.</summary>
internal readonly record struct Usage(int Input, int Output, int Cached, bool Present)
{
    public static Usage Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("usage", out JsonElement usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        int cached = 0;
        if (usage.TryGetProperty("prompt_tokens_details", out JsonElement details) && details.ValueKind == JsonValueKind.Object)
        {
            cached = Int(details, "cached_tokens");
        }
        else if (usage.TryGetProperty("prompt_cache_hit_tokens", out _))
        {
            // DeepSeek reports cache hits at the top of usage.
            cached = Int(usage, "prompt_cache_hit_tokens");
        }

        return new Usage(Int(usage, "prompt_tokens"), Int(usage, "completion_tokens"), cached, true);
    }

    /// <summary>Writes <c>usage</c> with input_tokens excluding cache reads, as Anthropic reports it.</summary>
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("input_tokens"u8, Math.Max(0, Input - Cached));
        writer.WriteNumber("output_tokens"u8, Output);
        writer.WriteNumber("cache_creation_input_tokens"u8, 0);
        writer.WriteNumber("cache_read_input_tokens"u8, Cached);
        writer.WriteEndObject();
    }

    private static int Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int i) ? i : 0;
}
