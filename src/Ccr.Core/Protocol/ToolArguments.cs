using System.Buffers;
using System.Text.Json;
using Ccr.Core.Buffers;

namespace Ccr.Core.Protocol;

/// <summary>Tool-call arguments (a JSON string from the model) as an Anthropic tool_use input object.</summary>
internal static class ToolArguments
{
    public static void WriteInput(JsonElement arguments, Utf8JsonWriter writer)
    {
        if (arguments.ValueKind == JsonValueKind.Object)
        {
            // Some providers send arguments already parsed.
            arguments.WriteTo(writer);
            return;
        }

        WriteInput(arguments.ValueKind == JsonValueKind.String ? arguments.GetString()! : "", writer);
    }

    /// <summary>
    /// Writes an arguments string as the input object. Arguments that are not a JSON object are kept whole
    /// under <see cref="OpenAIToAnthropicResponse.UnparsedArgumentsKey"/> so nothing the model said is lost.
    /// </summary>
    public static void WriteInput(string? raw, Utf8JsonWriter writer)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        try
        {
            using JsonDocument parsed = JsonDocument.Parse(raw);
            if (parsed.RootElement.ValueKind == JsonValueKind.Object)
            {
                parsed.RootElement.WriteTo(writer);
                return;
            }
        }
        catch (JsonException)
        {
            // Fall through: keep the model's text so the user can see what it tried.
        }

        writer.WriteStartObject();
        writer.WriteString(OpenAIToAnthropicResponse.UnparsedArgumentsKey, raw);
        writer.WriteEndObject();
    }
}
