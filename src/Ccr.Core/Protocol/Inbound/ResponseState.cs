using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// What a Responses object says: ids, status, usage and the output items with their text. The stream
/// keeps it because response.output_item.done and response.completed must repeat the whole text;
/// the text is held as escaped JSON exactly as it arrived, so nothing is decoded and encoded again.
/// </summary>
internal sealed class ResponseState
{
    /// <summary>An answer beyond this is refused rather than held: far above any model's output limit.</summary>
    internal const int MaxTextBytes = 16 * 1024 * 1024;

    private readonly ArrayBufferWriter<byte> _text = new(1024);
    private readonly List<ResponseOutputItem> _items = new();

    public ResponseState(string? messageId, string model, long createdAt)
    {
        BaseId = OpenAINames.BaseId(messageId);
        Model = model;
        CreatedAt = createdAt;
    }

    public string BaseId { get; }

    public string Model { get; set; }

    public long CreatedAt { get; }

    public AnthropicUsage Usage;

    /// <summary>The Anthropic stop_reason's Responses incomplete reason, when the answer was cut short.</summary>
    public string? IncompleteReason { get; set; }

    public IReadOnlyList<ResponseOutputItem> Items => _items;

    public ResponseOutputItem Open(ResponseItemKind kind, string? callId, string? name)
    {
        string ordinal = _items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string id = kind switch
        {
            ResponseItemKind.Message => "msg_" + BaseId + "_" + ordinal,
            ResponseItemKind.Reasoning => "rs_" + BaseId + "_" + ordinal,
            _ => "fc_" + (callId ?? BaseId + "_" + ordinal),
        };
        var item = new ResponseOutputItem(kind, id, callId, name, _items.Count) { TextStart = _text.WrittenCount };
        _items.Add(item);
        Append("\""u8);
        return item;
    }

    /// <summary>Adds escaped JSON string content to the last opened item.</summary>
    public void AppendEscaped(ResponseOutputItem item, ReadOnlySpan<byte> escaped)
    {
        if (!item.Closed && ReferenceEquals(item, _items[^1]))
        {
            Append(escaped);
        }
    }

    public void Close(ResponseOutputItem item)
    {
        if (item.Closed)
        {
            return;
        }

        // A function call without arguments is an empty object, as the whole-body translation writes it.
        if (item.Kind == ResponseItemKind.FunctionCall && _text.WrittenCount - item.TextStart == 1)
        {
            Append("{}"u8);
        }

        Append("\""u8);
        item.TextLength = _text.WrittenCount - item.TextStart;
        item.Closed = true;
    }

    /// <summary>The item's text as a quoted JSON string token.</summary>
    public ReadOnlySpan<byte> QuotedText(ResponseOutputItem item) =>
        item.Closed ? _text.WrittenSpan.Slice(item.TextStart, item.TextLength) : "\"\""u8;

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_text.WrittenCount + bytes.Length > MaxTextBytes)
        {
            throw new InvalidDataException("The answer is larger than " + (MaxTextBytes / (1024 * 1024)).ToString(System.Globalization.CultureInfo.InvariantCulture) + " MiB, more than Ccr holds for a Responses summary.");
        }

        _text.Write(bytes);
    }

    /// <summary>Writes an output item; an unclosed item is written as in progress with empty text.</summary>
    public void WriteItem(Utf8JsonWriter writer, ResponseOutputItem item)
    {
        string status = !item.Closed ? "in_progress" : IncompleteReason is null ? "completed" : "incomplete";
        writer.WriteStartObject();
        switch (item.Kind)
        {
            case ResponseItemKind.Message:
                writer.WriteString("type"u8, "message");
                writer.WriteString("id"u8, item.Id);
                writer.WriteString("status"u8, status);
                writer.WriteString("role"u8, "assistant");
                writer.WriteStartArray("content"u8);
                if (item.Closed)
                {
                    WriteTextPart(writer, QuotedText(item));
                }

                writer.WriteEndArray();
                break;
            case ResponseItemKind.Reasoning:
                writer.WriteString("type"u8, "reasoning");
                writer.WriteString("id"u8, item.Id);
                writer.WriteStartArray("summary"u8);
                if (item.Closed)
                {
                    WriteSummaryPart(writer, QuotedText(item));
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteString("type"u8, "function_call");
                writer.WriteString("id"u8, item.Id);
                writer.WriteString("status"u8, status);
                writer.WriteString("call_id"u8, item.CallId);
                writer.WriteString("name"u8, item.Name);
                Json.WriteRaw(writer, "arguments"u8, QuotedText(item));
                break;
        }

        writer.WriteEndObject();
    }

    public static void WriteTextPart(Utf8JsonWriter writer, ReadOnlySpan<byte> quotedText)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "output_text");
        Json.WriteRaw(writer, "text"u8, quotedText);
        writer.WriteStartArray("annotations"u8);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteSummaryPart(Utf8JsonWriter writer, ReadOnlySpan<byte> quotedText)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "summary_text");
        Json.WriteRaw(writer, "text"u8, quotedText);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes the response object. <paramref name="status"/> is in_progress, completed, incomplete or
    /// failed; usage is written once the answer is over.
    /// </summary>
    public void WriteResponse(Utf8JsonWriter writer, string status, AnthropicError? error = null)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, "resp_" + BaseId);
        writer.WriteString("object"u8, "response");
        writer.WriteNumber("created_at"u8, CreatedAt);
        writer.WriteString("status"u8, status);
        if (error is null)
        {
            writer.WriteNull("error"u8);
        }
        else
        {
            writer.WriteStartObject("error"u8);
            (_, string? code) = OpenAIErrorWriter.Map(error);
            writer.WriteString("code"u8, code ?? "server_error");
            writer.WriteString("message"u8, error.Message);
            writer.WriteEndObject();
        }

        if (status == "incomplete" && IncompleteReason is not null)
        {
            writer.WriteStartObject("incomplete_details"u8);
            writer.WriteString("reason"u8, IncompleteReason);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("incomplete_details"u8);
        }

        writer.WriteString("model"u8, Model);
        writer.WriteStartArray("output"u8);
        if (status != "in_progress")
        {
            foreach (ResponseOutputItem item in _items)
            {
                WriteItem(writer, item);
            }
        }

        writer.WriteEndArray();
        if (status is "in_progress" or "failed")
        {
            writer.WriteNull("usage"u8);
        }
        else
        {
            writer.WriteStartObject("usage"u8);
            writer.WriteNumber("input_tokens"u8, Usage.PromptTokens);
            writer.WriteNumber("output_tokens"u8, Usage.CompletionTokens);
            writer.WriteNumber("total_tokens"u8, Usage.PromptTokens + Usage.CompletionTokens);
            writer.WriteStartObject("input_tokens_details"u8);
            writer.WriteNumber("cached_tokens"u8, Usage.CachedTokens);
            writer.WriteEndObject();
            writer.WriteStartObject("output_tokens_details"u8);
            // Anthropic does not count thinking tokens apart from the rest of the output.
            writer.WriteNumber("reasoning_tokens"u8, 0);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>The final status for the stop reason: completed, or incomplete when cut by a limit or a refusal.</summary>
    public string FinalStatus => IncompleteReason is null ? "completed" : "incomplete";
}
