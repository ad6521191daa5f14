using System.Buffers;
using System.Text.Json;
using Ccr.Core.Protocol;

namespace Ccr.Core.Protocol;

/// <summary>Writes an Anthropic Messages request body for a <see cref="MessageRequestSpec"/>.</summary>
internal static class MessageRequestWriter
{
    /// <summary>The headers an Anthropic client would send, passed on to Anthropic-protocol upstreams.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> DefaultHeaders { get; } = new[] { new KeyValuePair<string, string>("anthropic-version", "2023-06-01") };

    public static byte[] Write(MessageRequestSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var buffer = new ArrayBufferWriter<byte>(256 + (spec.Message.Length * 2));
        using (var writer = new Utf8JsonWriter(buffer, JsonOutput.WriterOptions))
        {
            writer.WriteStartObject();
            if (spec.Model is not null)
            {
                writer.WriteString("model", spec.Model);
            }

            if (spec.MaxTokens is int maxTokens)
            {
                writer.WriteNumber("max_tokens", maxTokens);
            }

            if (spec.Temperature is double temperature)
            {
                writer.WriteNumber("temperature", temperature);
            }

            if (!string.IsNullOrEmpty(spec.System))
            {
                writer.WriteString("system", spec.System);
            }

            if (spec.Stream)
            {
                writer.WriteBoolean("stream", true);
            }

            writer.WriteStartArray("messages");
            writer.WriteStartObject();
            writer.WriteString("role", "user");
            writer.WriteString("content", spec.Message);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
