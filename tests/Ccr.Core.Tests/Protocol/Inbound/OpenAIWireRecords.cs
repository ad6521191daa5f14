using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ccr.Core.Tests.Protocol.Inbound;

// Strict shapes of what OpenAI clients read. Deserializing the translators' output into these fails on
// an unknown member, a missing required member or a null where OpenAI never sends one.

internal sealed record ChatCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChoice> Choices, ChatUsage Usage);

internal sealed record ChatChoice(int Index, ChatMessage Message, JsonElement? Logprobs, string FinishReason);

internal sealed record ChatMessage(string Role, string? Content, string? Refusal, string? ReasoningContent = null, IReadOnlyList<ChatToolCall>? ToolCalls = null);

internal sealed record ChatToolCall(string Id, string Type, ChatFunctionCall Function);

internal sealed record ChatFunctionCall(string Name, string Arguments);

internal sealed record ChatUsage(long PromptTokens, long CompletionTokens, long TotalTokens, PromptTokensDetails PromptTokensDetails);

internal sealed record PromptTokensDetails(long CachedTokens);

internal sealed record ChatChunk(string Id, string Object, long Created, string Model, IReadOnlyList<ChunkChoice> Choices, ChatUsage? Usage = null);

internal sealed record ChunkChoice(int Index, ChunkDelta Delta, JsonElement? Logprobs, string? FinishReason);

internal sealed record ChunkDelta(string? Role = null, string? Content = null, string? ReasoningContent = null, IReadOnlyList<ChunkToolCall>? ToolCalls = null);

internal sealed record ChunkToolCall(int Index, ChunkFunction Function, string? Id = null, string? Type = null);

internal sealed record ChunkFunction(string? Name = null, string? Arguments = null);

internal sealed record OpenAIErrorEnvelope(OpenAIError Error);

internal sealed record OpenAIError(string Message, string Type, string? Param, string? Code);

internal sealed record ResponseObject(
    string Id,
    string Object,
    long CreatedAt,
    string Status,
    string Model,
    IReadOnlyList<ResponseItem> Output,
    ResponseUsage? Usage,
    ResponseError? Error,
    IncompleteDetails? IncompleteDetails);

internal sealed record ResponseError(string Code, string Message);

internal sealed record IncompleteDetails(string Reason);

/// <summary>One output item; which members are set depends on Type (message, function_call, reasoning).</summary>
internal sealed record ResponseItem(
    string Type,
    string Id,
    string? Status = null,
    string? Role = null,
    IReadOnlyList<OutputText>? Content = null,
    string? CallId = null,
    string? Name = null,
    string? Arguments = null,
    IReadOnlyList<SummaryText>? Summary = null);

internal sealed record OutputText(string Type, string Text, IReadOnlyList<JsonElement> Annotations);

internal sealed record SummaryText(string Type, string Text);

internal sealed record ResponseUsage(long InputTokens, long OutputTokens, long TotalTokens, InputTokensDetails InputTokensDetails, OutputTokensDetails OutputTokensDetails);

internal sealed record InputTokensDetails(long CachedTokens);

internal sealed record OutputTokensDetails(long ReasoningTokens);

/// <summary>Any Responses stream event: the union of the members the events carry.</summary>
internal sealed record ResponseStreamEvent(
    string Type,
    long SequenceNumber,
    ResponseObject? Response = null,
    int? OutputIndex = null,
    ResponseItem? Item = null,
    string? ItemId = null,
    int? ContentIndex = null,
    int? SummaryIndex = null,
    JsonElement? Part = null,
    string? Delta = null,
    string? Text = null,
    string? Arguments = null,
    string? Name = null);

internal static class OpenAIWire
{
    public static readonly JsonSerializerOptions Strict = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Strict) ?? throw new InvalidOperationException("null " + typeof(T).Name);
}
