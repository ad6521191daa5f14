using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ccr.Core.Providers;

namespace Ccr.Core.Protocol;

/// <summary>Rewrites an Anthropic request for an Anthropic-protocol upstream, copying every byte it does not need to change.</summary>
/// <remarks>
/// Top-level properties are spliced as byte ranges of the original body, so messages, tools and signatures
/// reach the upstream exactly as the client sent them. Only <c>model</c>, <c>max_tokens</c>, preset defaults and
/// (when asked) a system prompt carrying the subagent tag are rewritten.
/// </remarks>
internal static class AnthropicPassthroughRequest
{
    /// <summary>Writes the upstream body for <paramref name="anthropicBody"/>.</summary>
    /// <exception cref="AnthropicRequestException">The body is not a JSON object.</exception>
    public static void Write(ReadOnlySpan<byte> anthropicBody, RequestOverrides overrides, ProviderProfile profile, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(output);

        if (!System.Text.Unicode.Utf8.IsValid(anthropicBody))
        {
            throw new AnthropicRequestException("The request body is not valid UTF-8; send JSON encoded as UTF-8.");
        }

        var reader = new Utf8JsonReader(anthropicBody, JsonOutput.ReaderOptions);
        bool first = true;
        bool hasMaxTokens = false;
        bool hasTemperature = false;
        bool hasTopP = false;
        bool hasSystem = false;
        int? cap = profile.MaxTokensCapFor(overrides.Model);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new AnthropicRequestException("The request body must be a JSON object.");
            }

            output.Write("{"u8);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                int start = (int)reader.TokenStartIndex;
                string name = reader.GetString()!;
                reader.Read();
                int valueStart = (int)reader.TokenStartIndex;
                reader.Skip();
                int end = (int)reader.BytesConsumed;
                ReadOnlySpan<byte> property = anthropicBody[start..end];
                ReadOnlySpan<byte> value = anthropicBody[valueStart..end];

                switch (name)
                {
                    case "model":
                        continue;
                    case "max_tokens":
                        hasMaxTokens = true;
                        if (cap is int c && TryGetInt(value, out int requested) && requested > c)
                        {
                            Separator(output, ref first);
                            WriteNumberProperty(output, "max_tokens", c);
                            continue;
                        }

                        break;
                    case "temperature":
                        hasTemperature = true;
                        break;
                    case "top_p":
                        hasTopP = true;
                        break;
                    case "system":
                        hasSystem = true;
                        if (overrides.StripSubagentTag || profile.StripCacheControl)
                        {
                            Separator(output, ref first);
                            WriteRewritten(output, "system", value, overrides.StripSubagentTag, profile.StripCacheControl);
                            continue;
                        }

                        break;
                    case "messages" or "tools" when profile.StripCacheControl:
                        Separator(output, ref first);
                        WriteRewritten(output, name, value, stripTag: false, stripCache: true);
                        continue;
                    default:
                        break;
                }

                Separator(output, ref first);
                output.Write(property);
            }
        }
        catch (JsonException e)
        {
            throw new AnthropicRequestException("The request body is not valid JSON: " + e.Message, e);
        }

        Separator(output, ref first);
        WriteProperty(output, w => w.WriteString("model", overrides.Model));

        if (!hasMaxTokens)
        {
            int maxTokens = overrides.MaxTokens ?? ProviderProfile.AnthropicDefaultMaxTokens;
            Separator(output, ref first);
            WriteNumberProperty(output, "max_tokens", cap is int c && maxTokens > c ? c : maxTokens);
        }

        if (!hasTemperature && overrides.Temperature is double t)
        {
            Separator(output, ref first);
            WriteProperty(output, w => w.WriteNumber("temperature", t));
        }

        if (!hasTopP && overrides.TopP is double p)
        {
            Separator(output, ref first);
            WriteProperty(output, w => w.WriteNumber("top_p", p));
        }

        if (!hasSystem && overrides.System is string system)
        {
            Separator(output, ref first);
            WriteProperty(output, w => w.WriteString("system", system));
        }

        output.Write("}"u8);
    }

    private static void Separator(IBufferWriter<byte> output, ref bool first)
    {
        if (!first)
        {
            output.Write(","u8);
        }

        first = false;
    }

    private static bool TryGetInt(ReadOnlySpan<byte> value, out int result)
    {
        var reader = new Utf8JsonReader(value);
        result = 0;
        return reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out result);
    }

    private static void WriteNumberProperty(IBufferWriter<byte> output, string name, int value) =>
        WriteProperty(output, w => w.WriteNumber(name, value));

    // A lone property is not a JSON document: write it inside a throwaway object and copy the inner bytes.
    private static void WriteProperty(IBufferWriter<byte> output, Action<Utf8JsonWriter> write)
    {
        var scratch = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(scratch, JsonOutput.WriterOptions))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        ReadOnlySpan<byte> written = scratch.WrittenSpan;
        output.Write(written[1..^1]);
    }

    private static void WriteRewritten(IBufferWriter<byte> output, string name, ReadOnlySpan<byte> value, bool stripTag, bool stripCache)
    {
        JsonNode? node = JsonNode.Parse(value);
        if (stripTag)
        {
            if (node is JsonValue text && text.TryGetValue(out string? s))
            {
                node = JsonValue.Create(SubagentTag.Strip(s));
            }
            else if (node is JsonArray blocks)
            {
                foreach (JsonNode? block in blocks)
                {
                    if (block is JsonObject o && o["text"] is JsonValue blockText && blockText.TryGetValue(out string? bt))
                    {
                        o["text"] = SubagentTag.Strip(bt);
                        break;
                    }
                }
            }
        }

        if (stripCache)
        {
            RemoveCacheControl(node);
        }

        WriteProperty(output, w =>
        {
            w.WritePropertyName(name);
            if (node is null)
            {
                w.WriteNullValue();
            }
            else
            {
                node.WriteTo(w);
            }
        });
    }

    private static void RemoveCacheControl(JsonNode? node)
    {
        if (node is JsonObject obj)
        {
            obj.Remove("cache_control");
            foreach (KeyValuePair<string, JsonNode?> child in obj)
            {
                RemoveCacheControl(child.Value);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (JsonNode? child in array)
            {
                RemoveCacheControl(child);
            }
        }
    }
}
