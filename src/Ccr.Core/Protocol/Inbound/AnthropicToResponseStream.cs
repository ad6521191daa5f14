using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// Translates the router's Anthropic SSE stream into the OpenAI Responses event stream
/// (<c>event: response.x\ndata: {json}\n\n</c>, each with a sequence_number): response.created and
/// in_progress, then per content block output_item.added, the part or summary added, deltas, and the
/// done events, and finally response.completed (or response.incomplete when a limit cut the answer).
/// </summary>
/// <remarks>
/// Unlike the chat stream, this one keeps the answer's text (<see cref="ResponseState"/>, bounded at
/// <see cref="ResponseState.MaxTextBytes"/>), because output_item.done and response.completed must
/// carry it. An Anthropic error event, a stream cut before message_stop, or bad upstream data ends the
/// stream with response.failed.
/// </remarks>
internal sealed class AnthropicToResponseStream : AnthropicSseTranslator
{
    private readonly ResponsesRequestInfo _request;
    private readonly long _createdAt;
    private readonly Dictionary<int, ResponseOutputItem> _itemByBlock = new();
    private Utf8JsonWriter? _writer;
    private ResponseState? _state;
    private long _sequence;

    public AnthropicToResponseStream(ResponsesRequestInfo request, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        _request = request;
        _createdAt = Json.UnixSeconds(time ?? TimeProvider.System);
    }

    /// <inheritdoc/>
    protected override void FailUpstream(string message, IBufferWriter<byte> output) => Fail(new AnthropicError(502, "api_error", message), output);

    /// <inheritdoc/>
    protected override void Handle(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        AnthropicStreamEvent e = AnthropicStreamEvent.Parse(data);
        if (Json.Is(e.Type, "message_start"u8))
        {
            Start(Json.Decode(e.MessageId), Json.Decode(e.MessageModel), output);
            _state!.Usage.MergeFrom(e.Usage);
            return;
        }

        if (Json.Is(e.Type, "error"u8))
        {
            Fail(new AnthropicError(500, Json.Decode(e.ErrorType) ?? "api_error", Json.Decode(e.ErrorMessage) ?? "The upstream failed mid-stream."), output);
            return;
        }

        if (Json.Is(e.Type, "ping"u8))
        {
            return;
        }

        ResponseState state = Start(null, null, output);
        state.Usage.MergeFrom(e.Usage);
        if (Json.Is(e.Type, "content_block_start"u8))
        {
            OpenItem(state, e, output);
        }
        else if (Json.Is(e.Type, "content_block_delta"u8))
        {
            if (_itemByBlock.TryGetValue(e.Index, out ResponseOutputItem? item)
                && (Json.Is(e.DeltaType, "text_delta"u8) || Json.Is(e.DeltaType, "thinking_delta"u8) || Json.Is(e.DeltaType, "input_json_delta"u8)))
            {
                WriteDelta(state, item, e.DeltaText, output);
            }
        }
        else if (Json.Is(e.Type, "content_block_stop"u8))
        {
            if (_itemByBlock.Remove(e.Index, out ResponseOutputItem? item))
            {
                CloseItem(state, item, output);
            }
        }
        else if (Json.Is(e.Type, "message_delta"u8))
        {
            if (!e.StopReason.IsEmpty)
            {
                state.IncompleteReason = OpenAINames.IncompleteReason(Json.Content(e.StopReason));
            }
        }
        else if (Json.Is(e.Type, "message_stop"u8))
        {
            foreach (ResponseOutputItem open in _itemByBlock.Values)
            {
                CloseItem(state, open, output);
            }

            _itemByBlock.Clear();
            string status = state.FinalStatus;
            Utf8JsonWriter writer = BeginEvent(output, status == "completed" ? "response.completed"u8 : "response.incomplete"u8);
            writer.WritePropertyName("response"u8);
            state.WriteResponse(writer, status);
            EndEvent(output, writer);
            IsDone = true;
        }
    }

    private ResponseState Start(string? messageId, string? model, IBufferWriter<byte> output)
    {
        if (_state is not null)
        {
            return _state;
        }

        _state = new ResponseState(messageId, string.IsNullOrEmpty(model) ? _request.Model : model, _createdAt);
        Utf8JsonWriter writer = BeginEvent(output, "response.created"u8);
        writer.WritePropertyName("response"u8);
        _state.WriteResponse(writer, "in_progress");
        EndEvent(output, writer);
        writer = BeginEvent(output, "response.in_progress"u8);
        writer.WritePropertyName("response"u8);
        _state.WriteResponse(writer, "in_progress");
        EndEvent(output, writer);
        return _state;
    }

    private void OpenItem(ResponseState state, AnthropicStreamEvent e, IBufferWriter<byte> output)
    {
        ResponseItemKind kind;
        if (Json.Is(e.BlockType, "text"u8))
        {
            kind = ResponseItemKind.Message;
        }
        else if (Json.Is(e.BlockType, "thinking"u8))
        {
            kind = ResponseItemKind.Reasoning;
        }
        else if (Json.Is(e.BlockType, "tool_use"u8))
        {
            kind = ResponseItemKind.FunctionCall;
        }
        else
        {
            return;
        }

        ResponseOutputItem item = state.Open(kind, Json.Decode(e.BlockId), Json.Decode(e.BlockName));
        _itemByBlock[e.Index] = item;
        Utf8JsonWriter writer = BeginEvent(output, "response.output_item.added"u8);
        writer.WriteNumber("output_index"u8, item.OutputIndex);
        writer.WritePropertyName("item"u8);
        state.WriteItem(writer, item);
        EndEvent(output, writer);
        if (kind == ResponseItemKind.Message)
        {
            writer = BeginPartEvent(output, "response.content_part.added"u8, item);
            writer.WritePropertyName("part"u8);
            ResponseState.WriteTextPart(writer, "\"\""u8);
            EndEvent(output, writer);
        }
        else if (kind == ResponseItemKind.Reasoning)
        {
            writer = BeginPartEvent(output, "response.reasoning_summary_part.added"u8, item);
            writer.WritePropertyName("part"u8);
            ResponseState.WriteSummaryPart(writer, "\"\""u8);
            EndEvent(output, writer);
        }

        if (kind != ResponseItemKind.FunctionCall)
        {
            WriteDelta(state, item, e.BlockText, output);
        }
    }

    private void WriteDelta(ResponseState state, ResponseOutputItem item, ReadOnlySpan<byte> quotedDelta, IBufferWriter<byte> output)
    {
        if (Json.Content(quotedDelta).IsEmpty)
        {
            return;
        }

        state.AppendEscaped(item, Json.Content(quotedDelta));
        Utf8JsonWriter writer = item.Kind switch
        {
            ResponseItemKind.Message => BeginPartEvent(output, "response.output_text.delta"u8, item),
            ResponseItemKind.Reasoning => BeginPartEvent(output, "response.reasoning_summary_text.delta"u8, item),
            _ => BeginPartEvent(output, "response.function_call_arguments.delta"u8, item),
        };
        Json.WriteRaw(writer, "delta"u8, quotedDelta);
        EndEvent(output, writer);
    }

    private void CloseItem(ResponseState state, ResponseOutputItem item, IBufferWriter<byte> output)
    {
        state.Close(item);
        ReadOnlySpan<byte> text = state.QuotedText(item);
        Utf8JsonWriter writer;
        switch (item.Kind)
        {
            case ResponseItemKind.Message:
                writer = BeginPartEvent(output, "response.output_text.done"u8, item);
                Json.WriteRaw(writer, "text"u8, text);
                EndEvent(output, writer);
                writer = BeginPartEvent(output, "response.content_part.done"u8, item);
                writer.WritePropertyName("part"u8);
                ResponseState.WriteTextPart(writer, text);
                EndEvent(output, writer);
                break;
            case ResponseItemKind.Reasoning:
                writer = BeginPartEvent(output, "response.reasoning_summary_text.done"u8, item);
                Json.WriteRaw(writer, "text"u8, text);
                EndEvent(output, writer);
                writer = BeginPartEvent(output, "response.reasoning_summary_part.done"u8, item);
                writer.WritePropertyName("part"u8);
                ResponseState.WriteSummaryPart(writer, text);
                EndEvent(output, writer);
                break;
            default:
                writer = BeginPartEvent(output, "response.function_call_arguments.done"u8, item);
                writer.WriteString("name"u8, item.Name);
                Json.WriteRaw(writer, "arguments"u8, text);
                EndEvent(output, writer);
                break;
        }

        writer = BeginEvent(output, "response.output_item.done"u8);
        writer.WriteNumber("output_index"u8, item.OutputIndex);
        writer.WritePropertyName("item"u8);
        state.WriteItem(writer, item);
        EndEvent(output, writer);
    }

    private void Fail(AnthropicError error, IBufferWriter<byte> output)
    {
        ResponseState state = _state ?? new ResponseState(null, _request.Model, _createdAt);
        Utf8JsonWriter writer = BeginEvent(output, "response.failed"u8);
        writer.WritePropertyName("response"u8);
        state.WriteResponse(writer, "failed", error);
        EndEvent(output, writer);
        IsDone = true;
    }

    /// <summary>Opens an event about one item: item_id, output_index and, for text, the part or summary index.</summary>
    private Utf8JsonWriter BeginPartEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> type, ResponseOutputItem item)
    {
        Utf8JsonWriter writer = BeginEvent(output, type);
        writer.WriteString("item_id"u8, item.Id);
        writer.WriteNumber("output_index"u8, item.OutputIndex);
        if (item.Kind == ResponseItemKind.Message)
        {
            writer.WriteNumber("content_index"u8, 0);
        }
        else if (item.Kind == ResponseItemKind.Reasoning)
        {
            writer.WriteNumber("summary_index"u8, 0);
        }

        return writer;
    }

    private Utf8JsonWriter BeginEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> type)
    {
        output.Write("event: "u8);
        output.Write(type);
        output.Write("\ndata: "u8);
        Utf8JsonWriter writer = _writer ??= new Utf8JsonWriter(output, JsonOutput.WriterOptions);
        writer.Reset(output);
        writer.WriteStartObject();
        writer.WriteString("type"u8, type);
        writer.WriteNumber("sequence_number"u8, _sequence++);
        return writer;
    }

    private static void EndEvent(IBufferWriter<byte> output, Utf8JsonWriter writer)
    {
        writer.WriteEndObject();
        Json.EndLine(output, writer);
    }
}
