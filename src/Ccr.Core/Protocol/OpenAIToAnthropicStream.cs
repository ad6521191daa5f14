using System.Buffers;
using System.Text;
using System.Text.Json;
using Ccr.Core.Buffers;
using Ccr.Core.Config;

namespace Ccr.Core.Protocol;

/// <summary>
/// Translates one streamed OpenAI completion into Anthropic stream events, chunk by chunk.
/// </summary>
/// <remarks>
/// Memory is bounded by the largest chunk: text, reasoning and tool arguments are forwarded as they come. Only
/// argument fragments that arrive before their tool's name is known are held back. Tool calls interleaved by index
/// each get their own block; those blocks stay open together and close in order when the tools are done.
/// </remarks>
internal sealed class OpenAIToAnthropicStream
{
    private readonly string _reportedModel;
    private readonly int _estimatedInputTokens;
    private readonly ProviderConfig _provider;
    private readonly List<ToolState> _tools = new();
    private readonly ArrayBufferWriter<byte> _chunkEvents = new(1024);
    private Utf8JsonWriter? _writer;
    private bool _messageStarted;
    private bool _finished;
    private int _nextIndex;
    private int _thinkingIndex = -1;
    private int _textIndex = -1;

    // Inline "<think>...</think>" at the start of the answer (MiniMax and some Qwen deployments send reasoning
    // that way): until it is ruled out, content is held back just long enough to see the tag, even split across chunks.
    private InlineThink _inlineThink;
    private string _heldText = "";
    private string? _finishReason;
    private string? _matchedStop;
    private bool _sawToolCalls;
    private Usage _usage;
    // Providers stream about one token per delta; used only when the upstream reports no usage.
    private int _deltaCount;
    private string? _stopReasonWritten;

    /// <param name="reportedModel">What the client sees as <c>model</c>.</param>
    /// <param name="estimatedInputTokens">Reported when the upstream sends no usage.</param>
    /// <param name="provider">Names the provider in errors found inside the stream, adds its hints and scrubs its key from them.</param>
    public OpenAIToAnthropicStream(string reportedModel, int estimatedInputTokens, ProviderConfig provider)
    {
        ArgumentNullException.ThrowIfNull(reportedModel);
        ArgumentNullException.ThrowIfNull(provider);
        _reportedModel = reportedModel;
        _estimatedInputTokens = Math.Max(0, estimatedInputTokens);
        _provider = provider;
    }

    /// <summary>True once any event has been written (after that, failures end the stream with an error event).</summary>
    public bool HasOutput { get; private set; }

    /// <summary>What the stream amounted to so far (final after <see cref="Complete"/>).</summary>
    public ResponseSummary Summary => new(
        _stopReasonWritten,
        _usage.Present ? _usage.Input : _estimatedInputTokens,
        _usage.Present ? _usage.Output : _deltaCount,
        _usage.Cached);

    /// <summary>Translates one SSE <c>data:</c> payload (a chunk or <c>[DONE]</c>).</summary>
    /// <exception cref="UpstreamProtocolException">Only before any output: the first chunk is an error object or not JSON, so the router can fall back.</exception>
    public void Translate(ReadOnlySpan<byte> sseData, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_finished)
        {
            return;
        }

        ReadOnlySpan<byte> trimmed = sseData.Trim(" \t\r\n"u8);
        if (trimmed.IsEmpty)
        {
            return;
        }

        if (trimmed.SequenceEqual("[DONE]"u8))
        {
            Complete(output);
            return;
        }

        // Parsed from a pooled copy: JsonDocument.ParseValue would allocate a private copy of every chunk.
        using PooledCopy copy = PooledCopy.Of(trimmed);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(copy.Memory);
        }
        catch (JsonException e)
        {
            if (!HasOutput)
            {
                throw UpstreamProtocolException.Invalid("The provider's stream began with data that is not JSON (" + e.Message + ").", e);
            }

            // After output started a garbled chunk is skipped: the client keeps what it has and the stream goes on.
            return;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (UpstreamErrorMapper.TryDetectErrorInSuccess(root, trimmed, _provider, out UpstreamFailure failure))
            {
                if (!HasOutput)
                {
                    throw new UpstreamProtocolException(failure);
                }

                Fail(failure.Error, output);
                return;
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                if (!HasOutput)
                {
                    throw UpstreamProtocolException.Invalid("The provider's stream began with a chunk that is not a JSON object.");
                }

                return;
            }

            // A chunk's events are built aside and copied whole, so a chunk that fails half way never leaves a torn event.
            _chunkEvents.Clear();
            try
            {
                TranslateChunk(root, _chunkEvents);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                // A lone-surrogate \u escape is valid JSON syntax but no valid string.
                if (!HasOutput)
                {
                    throw UpstreamProtocolException.Invalid("The provider's stream has a string with an invalid \\u escape.", e);
                }

                Fail(new AnthropicError(502, "api_error", "The provider sent an undecodable chunk; the answer is incomplete."), output);
                return;
            }

            if (_chunkEvents.WrittenCount > 0)
            {
                output.Write(_chunkEvents.WrittenSpan);
                HasOutput = true;
            }
        }
    }

    /// <summary>Translates every event <paramref name="events"/> already holds (no I/O); returns how many there were.</summary>
    public int TranslateBuffered(UpstreamSseReader events, IBufferWriter<byte> output)
    {
        int count = 0;
        while (events.TryRead(out ReadOnlySpan<byte> data))
        {
            Translate(data, output);
            count++;
        }

        return count;
    }

    /// <summary>Reads <paramref name="upstream"/> to its end and translates every event (no interleaved writes: for whole in-memory streams); returns how many events there were.</summary>
    public async Task<int> TranslateAllAsync(Stream upstream, IBufferWriter<byte> output, CancellationToken cancellationToken)
    {
        using var events = new UpstreamSseReader(upstream);
        int count = 0;
        while (await events.FillAsync(cancellationToken).ConfigureAwait(false) || !events.Completed)
        {
            count += TranslateBuffered(events, output);
        }

        return count;
    }

    /// <summary>Upstream ended: closes open blocks, writes message_delta (stop_reason, usage) and message_stop. Idempotent.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_finished)
        {
            return;
        }

        EnsureMessageStart(output, null);
        FlushHeldText(output);
        CloseThinking(output);
        CloseText(output);
        CloseTools(output);

        string stopReason = StopReasons.Map(_finishReason, _matchedStop, _sawToolCalls);
        _stopReasonWritten = stopReason;
        Utf8JsonWriter w = BeginEvent(output, "message_delta"u8);
        w.WriteString("type"u8, "message_delta"u8);
        w.WriteStartObject("delta"u8);
        w.WriteString("stop_reason"u8, stopReason);
        if (stopReason == "stop_sequence")
        {
            w.WriteString("stop_sequence"u8, _matchedStop);
        }
        else
        {
            w.WriteNull("stop_sequence"u8);
        }

        w.WriteEndObject();
        w.WriteStartObject("usage"u8);
        if (_usage.Present)
        {
            w.WriteNumber("input_tokens"u8, Math.Max(0, _usage.Input - _usage.Cached));
            w.WriteNumber("output_tokens"u8, _usage.Output);
            w.WriteNumber("cache_read_input_tokens"u8, _usage.Cached);
        }
        else
        {
            w.WriteNumber("output_tokens"u8, Summary.OutputTokens);
        }

        w.WriteEndObject();
        EndEvent(output);

        w = BeginEvent(output, "message_stop"u8);
        w.WriteString("type"u8, "message_stop"u8);
        EndEvent(output);
        _finished = true;
    }

    /// <summary>Ends the stream with an Anthropic <c>error</c> event (after message_start if one was sent). Idempotent with <see cref="Complete"/>.</summary>
    public void Fail(AnthropicError error, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(output);
        if (_finished)
        {
            return;
        }

        Utf8JsonWriter w = BeginEvent(output, "error"u8);
        w.WriteString("type"u8, "error"u8);
        w.WriteStartObject("error"u8);
        w.WriteString("type"u8, error.Type);
        w.WriteString("message"u8, error.Message);
        w.WriteEndObject();
        EndEvent(output);
        _finished = true;
    }

    private void TranslateChunk(JsonElement root, IBufferWriter<byte> output)
    {
        Usage usage = Usage.Read(root);
        if (usage.Present)
        {
            _usage = usage;
        }

        if (!root.TryGetProperty("choices", out JsonElement choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
        {
            return;
        }

        JsonElement choice = choices[0];
        if (choice.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        EnsureMessageStart(output, OpenAIToAnthropicResponse.Text(root, "id"));
        if (choice.TryGetProperty("delta", out JsonElement delta) && delta.ValueKind == JsonValueKind.Object)
        {
            TranslateDelta(delta, output);
        }

        if (OpenAIToAnthropicResponse.Text(choice, "finish_reason") is string finish)
        {
            _finishReason = finish;
            _matchedStop = OpenAIToAnthropicResponse.Text(choice, "stop_reason") ?? OpenAIToAnthropicResponse.Text(choice, "matched_stop");
        }
    }

    private void TranslateDelta(JsonElement delta, IBufferWriter<byte> output)
    {
        if (delta.TryGetProperty("reasoning_content", out JsonElement reasoning) && reasoning.ValueKind == JsonValueKind.String ||
            delta.TryGetProperty("reasoning", out reasoning) && reasoning.ValueKind == JsonValueKind.String)
        {
            WriteThinking(reasoning, output);
        }
        else if (delta.TryGetProperty("reasoning_details", out JsonElement details) && details.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement detail in details.EnumerateArray())
            {
                if (detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty("text", out JsonElement text) && text.ValueKind == JsonValueKind.String)
                {
                    WriteThinking(text, output);
                }
            }
        }

        if (delta.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String && content.ValueEquals(ReadOnlySpan<byte>.Empty) is false)
        {
            if (_inlineThink == InlineThink.RuledOut || _thinkingIndex >= 0 && _inlineThink == InlineThink.Unknown)
            {
                _inlineThink = InlineThink.RuledOut;
                WriteText(content, output);
            }
            else
            {
                SplitInlineThink(content.GetString()!, output);
            }
        }

        if (delta.TryGetProperty("tool_calls", out JsonElement calls) && calls.ValueKind == JsonValueKind.Array)
        {
            FlushHeldText(output);
            foreach (JsonElement call in calls.EnumerateArray())
            {
                if (call.ValueKind == JsonValueKind.Object)
                {
                    WriteToolFragment(call, output);
                }
            }
        }
    }

    private void SplitInlineThink(string piece, IBufferWriter<byte> output)
    {
        const string Open = "<think>";
        const string Close = "</think>";
        string held = _heldText + piece;
        _heldText = "";
        if (_inlineThink == InlineThink.Unknown)
        {
            string trimmed = held.TrimStart();
            if (trimmed.Length < Open.Length && Open.StartsWith(trimmed, StringComparison.Ordinal))
            {
                _heldText = held;
                return;
            }

            if (!trimmed.StartsWith(Open, StringComparison.Ordinal))
            {
                _inlineThink = InlineThink.RuledOut;
                WriteTextString(held, output);
                return;
            }

            _inlineThink = InlineThink.Inside;
            held = trimmed[Open.Length..];
        }

        if (_inlineThink == InlineThink.Inside)
        {
            int end = held.IndexOf(Close, StringComparison.Ordinal);
            if (end < 0)
            {
                // Keep back what could be the start of a split closing tag.
                int safe = Math.Max(0, held.Length - (Close.Length - 1));
                WriteThinkingString(held[..safe], output);
                _heldText = held[safe..];
                return;
            }

            WriteThinkingString(held[..end], output);
            _inlineThink = InlineThink.RuledOut;
            held = held[(end + Close.Length)..].TrimStart('\r', '\n');
        }

        WriteTextString(held, output);
    }

    private void FlushHeldText(IBufferWriter<byte> output)
    {
        if (_heldText.Length == 0)
        {
            return;
        }

        string held = _heldText;
        _heldText = "";
        if (_inlineThink == InlineThink.Inside)
        {
            WriteThinkingString(held, output);
        }
        else
        {
            WriteTextString(held, output);
        }
    }

    private void WriteThinkingString(string text, IBufferWriter<byte> output)
    {
        if (text.Length == 0)
        {
            return;
        }

        OpenThinking(output);
        WriteDelta(output, _thinkingIndex, "thinking_delta"u8, "thinking"u8, default, text);
    }

    private void WriteTextString(string text, IBufferWriter<byte> output)
    {
        if (text.Length == 0)
        {
            return;
        }

        OpenText(output);
        WriteDelta(output, _textIndex, "text_delta"u8, "text"u8, default, text);
    }

    private void WriteThinking(JsonElement text, IBufferWriter<byte> output)
    {
        if (text.ValueEquals(ReadOnlySpan<byte>.Empty))
        {
            return;
        }

        OpenThinking(output);
        WriteDelta(output, _thinkingIndex, "thinking_delta"u8, "thinking"u8, text, null);
    }

    /// <summary>One delta event: the upstream's JSON string copied as it is, or a string of ours (split inline-think text).</summary>
    private void WriteDelta(IBufferWriter<byte> output, int index, ReadOnlySpan<byte> deltaType, ReadOnlySpan<byte> field, JsonElement upstreamText, string? text)
    {
        Utf8JsonWriter w = BeginBlockDelta(output, index, deltaType);
        w.WritePropertyName(field);
        if (text is null)
        {
            upstreamText.WriteTo(w);
        }
        else
        {
            w.WriteStringValue(text);
        }

        EndBlockEvent(output);
        _deltaCount++;
    }

    private void OpenThinking(IBufferWriter<byte> output)
    {
        if (_thinkingIndex < 0)
        {
            CloseText(output);
            CloseTools(output);
            _thinkingIndex = _nextIndex++;
            Utf8JsonWriter s = BeginBlockStart(output, _thinkingIndex, "thinking"u8);
            s.WriteString("thinking"u8, ""u8);
            s.WriteString("signature"u8, ""u8);
            EndBlockEvent(output);
        }
    }

    private void WriteText(JsonElement text, IBufferWriter<byte> output)
    {
        OpenText(output);
        WriteDelta(output, _textIndex, "text_delta"u8, "text"u8, text, null);
    }

    private void OpenText(IBufferWriter<byte> output)
    {
        if (_textIndex < 0)
        {
            CloseThinking(output);
            CloseTools(output);
            _textIndex = _nextIndex++;
            Utf8JsonWriter s = BeginBlockStart(output, _textIndex, "text"u8);
            s.WriteString("text"u8, ""u8);
            EndBlockEvent(output);
        }
    }

    private enum InlineThink
    {
        Unknown,
        Inside,
        RuledOut,
    }

    private void WriteToolFragment(JsonElement call, IBufferWriter<byte> output)
    {
        _sawToolCalls = true;
        int? openAiIndex = call.TryGetProperty("index", out JsonElement idx) && idx.ValueKind == JsonValueKind.Number && idx.TryGetInt32(out int i) ? i : null;
        string? id = OpenAIToAnthropicResponse.Text(call, "id");
        if (string.IsNullOrEmpty(id))
        {
            // Qwen repeats "id":"" on continuation fragments.
            id = null;
        }

        JsonElement function = call.TryGetProperty("function", out JsonElement f) && f.ValueKind == JsonValueKind.Object ? f : default;
        string? name = function.ValueKind == JsonValueKind.Object ? OpenAIToAnthropicResponse.Text(function, "name") : null;

        string? fragment = null;
        if (function.ValueKind == JsonValueKind.Object && function.TryGetProperty("arguments", out JsonElement arguments))
        {
            fragment = arguments.ValueKind switch
            {
                JsonValueKind.String => arguments.GetString(),
                JsonValueKind.Object => arguments.GetRawText(),
                _ => null,
            };
        }

        ToolState? tool = FindTool(openAiIndex, id);
        if (tool is not null && tool.Closed && name is null && string.IsNullOrWhiteSpace(fragment))
        {
            // Trailing whitespace or an empty fragment for a call already closed as whole.
            return;
        }

        if (tool is null || tool.Closed)
        {
            tool = new ToolState(openAiIndex ?? (_tools.Count == 0 ? 0 : _tools[^1].OpenAiIndex + 1));
            _tools.Add(tool);
        }

        if (tool.Id is null && !string.IsNullOrEmpty(id))
        {
            tool.Id = id;
        }

        if (tool.Name is null && !string.IsNullOrEmpty(name))
        {
            tool.Name = name;
        }

        if (tool.AnthropicIndex < 0)
        {
            if (tool.Name is null)
            {
                if (!string.IsNullOrEmpty(fragment))
                {
                    (tool.Pending ??= new StringBuilder()).Append(fragment);
                }

                return;
            }

            OpenTool(tool, output);
        }

        if (!string.IsNullOrEmpty(fragment))
        {
            WriteArguments(tool, fragment, output);
        }
    }

    private ToolState? FindTool(int? openAiIndex, string? id)
    {
        if (openAiIndex is int index)
        {
            for (int k = _tools.Count - 1; k >= 0; k--)
            {
                if (_tools[k].OpenAiIndex == index)
                {
                    // A new id at a known index means a new call (some providers restart indexes per call).
                    return id is null || _tools[k].Id is null || _tools[k].Id == id ? _tools[k] : null;
                }
            }

            return null;
        }

        if (id is not null)
        {
            return _tools.Find(t => t.Id == id);
        }

        return _tools.Count > 0 ? _tools[^1] : null;
    }

    private void OpenTool(ToolState tool, IBufferWriter<byte> output)
    {
        CloseThinking(output);
        CloseText(output);

        // Close earlier calls whose argument JSON is already whole, so sequential tool calls come out strictly
        // one block after another as Anthropic sends them; only truly interleaved calls stay open together.
        foreach (ToolState other in _tools)
        {
            if (!other.Closed && other.AnthropicIndex >= 0 && other.ArgumentsComplete)
            {
                WriteBlockStop(other.AnthropicIndex, output);
                other.Closed = true;
            }
        }

        tool.AnthropicIndex = _nextIndex++;
        tool.Id ??= Ids.NewToolUseId();
        Utf8JsonWriter s = BeginBlockStart(output, tool.AnthropicIndex, "tool_use"u8);
        s.WriteString("id"u8, tool.Id);
        s.WriteString("name"u8, tool.Name ?? "");
        s.WriteStartObject("input"u8);
        s.WriteEndObject();
        EndBlockEvent(output);
        if (tool.Pending is { Length: > 0 } pending)
        {
            WriteArguments(tool, pending.ToString(), output);
            tool.Pending = null;
        }
    }

    private void WriteArguments(ToolState tool, string fragment, IBufferWriter<byte> output)
    {
        tool.Track(fragment);
        Utf8JsonWriter w = BeginBlockDelta(output, tool.AnthropicIndex, "input_json_delta"u8);
        w.WriteString("partial_json"u8, fragment);
        EndBlockEvent(output);
        _deltaCount++;
    }

    private void CloseThinking(IBufferWriter<byte> output)
    {
        if (_thinkingIndex < 0)
        {
            return;
        }

        // OpenAI-compatible reasoning carries no signature; clients expect the delta before the block closes.
        Utf8JsonWriter w = BeginBlockDelta(output, _thinkingIndex, "signature_delta"u8);
        w.WriteString("signature"u8, ""u8);
        EndBlockEvent(output);
        WriteBlockStop(_thinkingIndex, output);
        _thinkingIndex = -1;
    }

    private void CloseText(IBufferWriter<byte> output)
    {
        if (_textIndex < 0)
        {
            return;
        }

        WriteBlockStop(_textIndex, output);
        _textIndex = -1;
    }

    private void CloseTools(IBufferWriter<byte> output)
    {
        foreach (ToolState tool in _tools)
        {
            if (tool.Closed)
            {
                continue;
            }

            if (tool.AnthropicIndex < 0)
            {
                // Arguments came but never a name: still hand the call to the client rather than lose it.
                tool.Name ??= "";
                OpenTool(tool, output);
            }

            WriteBlockStop(tool.AnthropicIndex, output);
            tool.Closed = true;
        }
    }

    /// <summary>Starts a content_block_start event; the caller adds the block's empty fields, then calls <see cref="EndBlockEvent"/>.</summary>
    private Utf8JsonWriter BeginBlockStart(IBufferWriter<byte> output, int index, ReadOnlySpan<byte> blockType) =>
        BeginBlockEvent(output, "content_block_start"u8, index, "content_block"u8, blockType);

    /// <summary>Starts a content_block_delta event; the caller adds the delta's payload, then calls <see cref="EndBlockEvent"/>.</summary>
    private Utf8JsonWriter BeginBlockDelta(IBufferWriter<byte> output, int index, ReadOnlySpan<byte> deltaType) =>
        BeginBlockEvent(output, "content_block_delta"u8, index, "delta"u8, deltaType);

    /// <summary>Both block events: <c>{"type":event,"index":n,object:{"type":type, ...</c>, left open for the caller's fields.</summary>
    private Utf8JsonWriter BeginBlockEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> eventName, int index, ReadOnlySpan<byte> objectName, ReadOnlySpan<byte> type)
    {
        Utf8JsonWriter w = BeginEvent(output, eventName);
        w.WriteString("type"u8, eventName);
        w.WriteNumber("index"u8, index);
        w.WriteStartObject(objectName);
        w.WriteString("type"u8, type);
        return w;
    }

    /// <summary>Closes the inner object a <see cref="BeginBlockEvent"/> left open, and the event.</summary>
    private void EndBlockEvent(IBufferWriter<byte> output)
    {
        _writer!.WriteEndObject();
        EndEvent(output);
    }

    private void WriteBlockStop(int index, IBufferWriter<byte> output)
    {
        Utf8JsonWriter w = BeginEvent(output, "content_block_stop"u8);
        w.WriteString("type"u8, "content_block_stop"u8);
        w.WriteNumber("index"u8, index);
        EndEvent(output);
    }

    private void EnsureMessageStart(IBufferWriter<byte> output, string? upstreamId)
    {
        if (_messageStarted)
        {
            return;
        }

        _messageStarted = true;
        Utf8JsonWriter w = BeginEvent(output, "message_start"u8);
        w.WriteString("type"u8, "message_start"u8);
        w.WriteStartObject("message"u8);
        w.WriteString("id"u8, upstreamId is { Length: > 0 } ? (upstreamId.StartsWith("msg_", StringComparison.Ordinal) ? upstreamId : "msg_" + upstreamId) : Ids.NewMessageId());
        w.WriteString("type"u8, "message"u8);
        w.WriteString("role"u8, "assistant"u8);
        w.WriteString("model"u8, _reportedModel);
        w.WriteStartArray("content"u8);
        w.WriteEndArray();
        w.WriteNull("stop_reason"u8);
        w.WriteNull("stop_sequence"u8);
        w.WriteStartObject("usage"u8);
        w.WriteNumber("input_tokens"u8, _estimatedInputTokens);
        w.WriteNumber("output_tokens"u8, 1);
        w.WriteNumber("cache_creation_input_tokens"u8, 0);
        w.WriteNumber("cache_read_input_tokens"u8, 0);
        w.WriteEndObject();
        w.WriteEndObject();
        EndEvent(output);
    }

    private Utf8JsonWriter BeginEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> eventName)
    {
        HasOutput |= !ReferenceEquals(output, _chunkEvents);
        output.Write("event: "u8);
        output.Write(eventName);
        output.Write("\ndata: "u8);
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(output, JsonOutput.WriterOptions);
        }
        else
        {
            _writer.Reset(output);
        }

        _writer.WriteStartObject();
        return _writer;
    }

    private void EndEvent(IBufferWriter<byte> output)
    {
        _writer!.WriteEndObject();
        _writer.Flush();
        output.Write("\n\n"u8);
    }

    private sealed class ToolState(int openAiIndex)
    {
        public int OpenAiIndex { get; } = openAiIndex;

        public string? Id { get; set; }

        public string? Name { get; set; }

        public int AnthropicIndex { get; set; } = -1;

        public bool Closed { get; set; }

        public StringBuilder? Pending { get; set; }

        /// <summary>True once the forwarded fragments form a whole JSON object or array.</summary>
        public bool ArgumentsComplete => _started && _depth == 0 && !_inString;

        private int _depth;
        private bool _started;
        private bool _inString;
        private bool _escaped;

        /// <summary>Follows bracket depth across fragments (constant memory) to know when the arguments are whole.</summary>
        public void Track(string fragment)
        {
            foreach (char c in fragment)
            {
                if (_inString)
                {
                    if (_escaped)
                    {
                        _escaped = false;
                    }
                    else if (c == '\\')
                    {
                        _escaped = true;
                    }
                    else if (c == '"')
                    {
                        _inString = false;
                    }
                }
                else if (c == '"')
                {
                    _inString = true;
                }
                else if (c is '{' or '[')
                {
                    _depth++;
                    _started = true;
                }
                else if (c is '}' or ']')
                {
                    _depth--;
                }
            }
        }
    }
}
