using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// Translates the router's Anthropic SSE stream into OpenAI <c>data: {chat.completion.chunk}</c> lines,
/// ending with <c>data: [DONE]</c>. Bytes may arrive in any chunking; each event is translated as soon
/// as its last byte arrives. Only ids, counters and the current event are held, never the answer.
/// </summary>
/// <remarks>
/// An Anthropic error event, or a stream that ends before message_stop, ends the output with
/// <c>data: {"error":{...}}</c> and no [DONE], which OpenAI SDKs raise as an API error.
/// </remarks>
internal sealed class AnthropicToChatCompletionStream : AnthropicSseTranslator
{
    private readonly ChatRequestInfo _request;
    private readonly long _created;
    private readonly Dictionary<int, int> _toolOrdinalByBlock = new();
    private Utf8JsonWriter? _writer;
    private string? _id;
    private string _model;
    private bool _started;
    private bool _finished;
    private AnthropicUsage _usage = AnthropicUsage.Unknown;

    public AnthropicToChatCompletionStream(ChatRequestInfo request, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        _request = request;
        _model = request.Model;
        _created = Json.UnixSeconds(time ?? TimeProvider.System);
    }

    /// <inheritdoc/>
    protected override void FailUpstream(string message, IBufferWriter<byte> output) => Fail("server_error", null, message, output);

    /// <inheritdoc/>
    protected override void Handle(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        AnthropicStreamEvent e = AnthropicStreamEvent.Parse(data);
        _usage.MergeFrom(e.Usage);
        if (Json.Is(e.Type, "message_start"u8))
        {
            _id = Json.Decode(e.MessageId);
            _model = Json.Decode(e.MessageModel) is { Length: > 0 } model ? model : _model;
            EnsureStarted(output);
        }
        else if (Json.Is(e.Type, "content_block_start"u8))
        {
            EnsureStarted(output);
            if (Json.Is(e.BlockType, "tool_use"u8))
            {
                int ordinal = _toolOrdinalByBlock.Count;
                _toolOrdinalByBlock[e.Index] = ordinal;
                WriteToolStart(output, ordinal, e.BlockId, e.BlockName);
            }
            else if (Json.Is(e.BlockType, "text"u8))
            {
                WriteDelta(output, "content"u8, e.BlockText);
            }
            else if (Json.Is(e.BlockType, "thinking"u8))
            {
                WriteDelta(output, "reasoning_content"u8, e.BlockText);
            }
        }
        else if (Json.Is(e.Type, "content_block_delta"u8))
        {
            EnsureStarted(output);
            if (Json.Is(e.DeltaType, "text_delta"u8))
            {
                WriteDelta(output, "content"u8, e.DeltaText);
            }
            else if (Json.Is(e.DeltaType, "thinking_delta"u8))
            {
                WriteDelta(output, "reasoning_content"u8, e.DeltaText);
            }
            else if (Json.Is(e.DeltaType, "input_json_delta"u8) && _toolOrdinalByBlock.TryGetValue(e.Index, out int ordinal))
            {
                WriteToolArguments(output, ordinal, e.DeltaText);
            }
        }
        else if (Json.Is(e.Type, "message_delta"u8))
        {
            if (!e.StopReason.IsEmpty)
            {
                EnsureStarted(output);
                WriteFinish(output, OpenAINames.FinishReason(Json.Content(e.StopReason)));
            }
        }
        else if (Json.Is(e.Type, "message_stop"u8))
        {
            EnsureStarted(output);
            if (!_finished)
            {
                // OpenAI clients wait for a finish_reason; an upstream that gave no stop_reason ended normally.
                WriteFinish(output, "stop");
            }

            if (_request.IncludeUsage)
            {
                WriteUsageChunk(output);
            }

            output.Write("data: [DONE]\n\n"u8);
            IsDone = true;
        }
        else if (Json.Is(e.Type, "error"u8))
        {
            var error = new AnthropicError(500, Json.Decode(e.ErrorType) ?? "api_error", Json.Decode(e.ErrorMessage) ?? "The upstream failed mid-stream.");
            (string type, string? code) = OpenAIErrorWriter.Map(error);
            Fail(type, code, error.Message, output);
        }
    }

    private void Fail(string type, string? code, string message, IBufferWriter<byte> output)
    {
        Utf8JsonWriter writer = Writer(output);
        Json.BeginDataLine(output, writer);
        OpenAIErrorWriter.WriteErrorObject(writer, message, type, code, null);
        Json.EndLine(output, writer);
        IsDone = true;
    }

    private Utf8JsonWriter Writer(IBufferWriter<byte> output) => _writer ??= new Utf8JsonWriter(output, JsonOutput.WriterOptions);

    private void EnsureStarted(IBufferWriter<byte> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        _id ??= Guid.NewGuid().ToString("N");
        Utf8JsonWriter writer = BeginChunk(output);
        writer.WriteString("role"u8, "assistant");
        writer.WriteString("content"u8, string.Empty);
        EndChunk(output, writer, null);
    }

    private void WriteDelta(IBufferWriter<byte> output, ReadOnlySpan<byte> field, ReadOnlySpan<byte> quotedText)
    {
        if (Json.Content(quotedText).IsEmpty)
        {
            return;
        }

        Utf8JsonWriter writer = BeginChunk(output);
        Json.WriteRaw(writer, field, quotedText);
        EndChunk(output, writer, null);
    }

    private void WriteToolStart(IBufferWriter<byte> output, int ordinal, ReadOnlySpan<byte> id, ReadOnlySpan<byte> name)
    {
        Utf8JsonWriter writer = BeginChunk(output);
        writer.WriteStartArray("tool_calls"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, ordinal);
        Json.WriteRaw(writer, "id"u8, id);
        writer.WriteString("type"u8, "function");
        writer.WriteStartObject("function"u8);
        Json.WriteRaw(writer, "name"u8, name);
        writer.WriteString("arguments"u8, string.Empty);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndArray();
        EndChunk(output, writer, null);
    }

    private void WriteToolArguments(IBufferWriter<byte> output, int ordinal, ReadOnlySpan<byte> fragment)
    {
        if (Json.Content(fragment).IsEmpty)
        {
            return;
        }

        Utf8JsonWriter writer = BeginChunk(output);
        writer.WriteStartArray("tool_calls"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, ordinal);
        writer.WriteStartObject("function"u8);
        Json.WriteRaw(writer, "arguments"u8, fragment);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndArray();
        EndChunk(output, writer, null);
    }

    private void WriteFinish(IBufferWriter<byte> output, string finishReason)
    {
        _finished = true;
        Utf8JsonWriter writer = BeginChunk(output);
        EndChunk(output, writer, finishReason);
    }

    private void WriteUsageChunk(IBufferWriter<byte> output)
    {
        Utf8JsonWriter writer = Writer(output);
        Json.BeginDataLine(output, writer);
        WriteHead(writer);
        writer.WriteStartArray("choices"u8);
        writer.WriteEndArray();
        AnthropicToChatCompletion.WriteUsage(writer, _usage);
        writer.WriteEndObject();
        Json.EndLine(output, writer);
    }

    private void WriteHead(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, "chatcmpl-" + OpenAINames.BaseId(_id));
        writer.WriteString("object"u8, "chat.completion.chunk");
        writer.WriteNumber("created"u8, _created);
        writer.WriteString("model"u8, _model);
    }

    /// <summary>Opens a chunk up to its delta object.</summary>
    private Utf8JsonWriter BeginChunk(IBufferWriter<byte> output)
    {
        Utf8JsonWriter writer = Writer(output);
        Json.BeginDataLine(output, writer);
        WriteHead(writer);
        writer.WriteStartArray("choices"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, 0);
        writer.WriteStartObject("delta"u8);
        return writer;
    }

    private static void EndChunk(IBufferWriter<byte> output, Utf8JsonWriter writer, string? finishReason)
    {
        writer.WriteEndObject();
        writer.WriteNull("logprobs"u8);
        writer.WriteString("finish_reason"u8, finishReason);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        Json.EndLine(output, writer);
    }
}
