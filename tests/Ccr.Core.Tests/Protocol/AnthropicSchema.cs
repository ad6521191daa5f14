using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ccr.Core.Tests.Protocol;

// Strict models of the Anthropic Messages response and stream events: unknown members, missing required
// members, wrong types and unknown discriminators all fail deserialization.

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(TextBlock), "text")]
[JsonDerivedType(typeof(ThinkingBlock), "thinking")]
[JsonDerivedType(typeof(ToolUseBlock), "tool_use")]
internal abstract record ContentBlock;

internal sealed record TextBlock([property: JsonPropertyName("text")] string Text) : ContentBlock;

internal sealed record ThinkingBlock([property: JsonPropertyName("thinking")] string Thinking, [property: JsonPropertyName("signature")] string Signature) : ContentBlock;

internal sealed record ToolUseBlock([property: JsonPropertyName("id")] string Id, [property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("input")] JsonElement Input) : ContentBlock;

internal sealed record MessageUsage(
    [property: JsonPropertyName("input_tokens")] int InputTokens,
    [property: JsonPropertyName("output_tokens")] int OutputTokens,
    [property: JsonPropertyName("cache_creation_input_tokens")] int? CacheCreationInputTokens = null,
    [property: JsonPropertyName("cache_read_input_tokens")] int? CacheReadInputTokens = null);

internal sealed record MessageResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("content")] IReadOnlyList<ContentBlock> Content,
    [property: JsonPropertyName("stop_reason")] string? StopReason,
    [property: JsonPropertyName("stop_sequence")] string? StopSequence,
    [property: JsonPropertyName("usage")] MessageUsage Usage);

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(MessageStartEvent), "message_start")]
[JsonDerivedType(typeof(ContentBlockStartEvent), "content_block_start")]
[JsonDerivedType(typeof(ContentBlockDeltaEvent), "content_block_delta")]
[JsonDerivedType(typeof(ContentBlockStopEvent), "content_block_stop")]
[JsonDerivedType(typeof(MessageDeltaEvent), "message_delta")]
[JsonDerivedType(typeof(MessageStopEvent), "message_stop")]
[JsonDerivedType(typeof(PingEvent), "ping")]
[JsonDerivedType(typeof(ErrorEvent), "error")]
internal abstract record StreamEvent;

internal sealed record MessageStartEvent([property: JsonPropertyName("message")] MessageResponse Message) : StreamEvent;

internal sealed record ContentBlockStartEvent([property: JsonPropertyName("index")] int Index, [property: JsonPropertyName("content_block")] ContentBlock ContentBlock) : StreamEvent;

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TextDelta), "text_delta")]
[JsonDerivedType(typeof(ThinkingDelta), "thinking_delta")]
[JsonDerivedType(typeof(SignatureDelta), "signature_delta")]
[JsonDerivedType(typeof(InputJsonDelta), "input_json_delta")]
internal abstract record BlockDelta;

internal sealed record TextDelta([property: JsonPropertyName("text")] string Text) : BlockDelta;

internal sealed record ThinkingDelta([property: JsonPropertyName("thinking")] string Thinking) : BlockDelta;

internal sealed record SignatureDelta([property: JsonPropertyName("signature")] string Signature) : BlockDelta;

internal sealed record InputJsonDelta([property: JsonPropertyName("partial_json")] string PartialJson) : BlockDelta;

internal sealed record ContentBlockDeltaEvent([property: JsonPropertyName("index")] int Index, [property: JsonPropertyName("delta")] BlockDelta Delta) : StreamEvent;

internal sealed record ContentBlockStopEvent([property: JsonPropertyName("index")] int Index) : StreamEvent;

internal sealed record MessageDelta([property: JsonPropertyName("stop_reason")] string? StopReason, [property: JsonPropertyName("stop_sequence")] string? StopSequence);

internal sealed record DeltaUsage(
    [property: JsonPropertyName("output_tokens")] int OutputTokens,
    [property: JsonPropertyName("input_tokens")] int? InputTokens = null,
    [property: JsonPropertyName("cache_creation_input_tokens")] int? CacheCreationInputTokens = null,
    [property: JsonPropertyName("cache_read_input_tokens")] int? CacheReadInputTokens = null);

internal sealed record MessageDeltaEvent([property: JsonPropertyName("delta")] MessageDelta Delta, [property: JsonPropertyName("usage")] DeltaUsage Usage) : StreamEvent;

internal sealed record MessageStopEvent : StreamEvent;

internal sealed record PingEvent : StreamEvent;

internal sealed record ErrorBody([property: JsonPropertyName("type")] string Type, [property: JsonPropertyName("message")] string Message);

internal sealed record ErrorEvent([property: JsonPropertyName("error")] ErrorBody Error) : StreamEvent;

internal static class AnthropicSchema
{
    private static readonly HashSet<string> s_stopReasons = new(StringComparer.Ordinal) { "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal" };

    public static readonly JsonSerializerOptions Strict = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        AllowOutOfOrderMetadataProperties = true,
    };

    public static MessageResponse ParseResponse(ReadOnlySpan<byte> json)
    {
        MessageResponse response = JsonSerializer.Deserialize<MessageResponse>(json, Strict)!;
        Assert.Equal("message", response.Type);
        Assert.Equal("assistant", response.Role);
        Assert.StartsWith("msg_", response.Id, StringComparison.Ordinal);
        Assert.True(response.StopReason is null || s_stopReasons.Contains(response.StopReason), "unknown stop_reason " + response.StopReason);
        foreach (ContentBlock block in response.Content)
        {
            if (block is ToolUseBlock tool)
            {
                Assert.Equal(JsonValueKind.Object, tool.Input.ValueKind);
            }
        }

        return response;
    }

    public static StreamEvent ParseEvent(string eventName, ReadOnlySpan<byte> data)
    {
        StreamEvent parsed = JsonSerializer.Deserialize<StreamEvent>(data, Strict)!;
        using JsonDocument document = JsonDocument.Parse(data.ToArray());
        Assert.Equal(eventName, document.RootElement.GetProperty("type").GetString());
        if (parsed is MessageDeltaEvent delta)
        {
            Assert.True(delta.Delta.StopReason is null || s_stopReasons.Contains(delta.Delta.StopReason), "unknown stop_reason " + delta.Delta.StopReason);
        }

        return parsed;
    }
}
