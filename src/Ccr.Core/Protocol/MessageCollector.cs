using System.Buffers;
using System.Text;
using System.Text.Json;
using Ccr.Core.Protocol.Inbound;

namespace Ccr.Core.Protocol;

/// <summary>
/// An in-memory <see cref="IResponseSink"/> for Invoke-CcrMessage and Test-CcrProvider: reads the
/// router's Anthropic answer (a whole JSON body or an SSE stream) into text, stop reason, usage and
/// error, and hands each text delta to <c>onText</c> as it arrives so a caller can show it live.
/// </summary>
internal sealed class MessageCollector : IResponseSink
{
    private readonly Action<string>? _onText;
    private readonly SseEventSplitter _splitter = new();
    private readonly StringBuilder _text = new();
    private readonly ArrayBufferWriter<byte> _raw = new(1024);

    /// <param name="onText">Called with each text delta of a stream, on the router's thread.</param>
    public MessageCollector(Action<string>? onText = null)
    {
        _onText = onText;
    }

    public bool HasStarted { get; private set; }

    /// <summary>The HTTP status the router chose (200, or the error's status).</summary>
    public int Status { get; private set; }

    /// <summary>True when the answer was an SSE stream.</summary>
    public bool IsStream { get; private set; }

    /// <summary>The assistant's text: every text block (or text delta) joined.</summary>
    public string Text => _text.ToString();

    /// <summary>The model that answered, as the upstream named it.</summary>
    public string? Model { get; private set; }

    public string? StopReason { get; private set; }

    public int InputTokens { get; private set; }

    public int OutputTokens { get; private set; }

    /// <summary>The Anthropic error type (authentication_error, rate_limit_error...) when the answer is an error.</summary>
    public string? ErrorType { get; private set; }

    public string? ErrorMessage { get; private set; }

    /// <summary>The answer exactly as a proxy client would have received it.</summary>
    public string Raw => Encoding.UTF8.GetString(_raw.WrittenSpan);

    public void SetHeader(string name, string value)
    {
        // Headers matter to HTTP clients only.
    }

    public void StartStream(int status, string contentType)
    {
        Status = status;
        IsStream = true;
        HasStarted = true;
    }

    public ValueTask WriteCompleteAsync(int status, string contentType, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        Status = status;
        HasStarted = true;
        _raw.Write(body.Span);
        ReadMessage(body.Span);
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAndFlushAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _raw.Write(data.Span);
        ReadOnlySpan<byte> input = data.Span;
        while (_splitter.TryReadEvent(ref input, out _, out ReadOnlySpan<byte> eventData))
        {
            ReadEvent(eventData);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Reads an event the stream ended without its closing blank line.</summary>
    public void Complete()
    {
        if (_splitter.TryFlush(out _, out ReadOnlySpan<byte> eventData))
        {
            ReadEvent(eventData);
        }
    }

    private void ReadMessage(ReadOnlySpan<byte> body)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(body.ToArray());
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (ReadError(root))
            {
                return;
            }

            Model = OptionalString(root, "model") ?? Model;
            StopReason = OptionalString(root, "stop_reason");
            if (root.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement block in content.EnumerateArray())
                {
                    if (OptionalString(block, "type") == "text")
                    {
                        _text.Append(OptionalString(block, "text"));
                    }
                }
            }

            ReadUsage(root);
        }
        catch (JsonException e)
        {
            ErrorType ??= "api_error";
            ErrorMessage ??= "The answer is not JSON: " + e.Message;
        }
    }

    private void ReadEvent(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || data.SequenceEqual("[DONE]"u8))
        {
            return;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(data.ToArray());
            JsonElement root = document.RootElement;
            switch (OptionalString(root, "type"))
            {
                case "message_start" when root.TryGetProperty("message", out JsonElement message):
                    Model = OptionalString(message, "model") ?? Model;
                    ReadUsage(message);
                    break;
                case "content_block_delta" when root.TryGetProperty("delta", out JsonElement delta):
                    if (OptionalString(delta, "type") == "text_delta" && OptionalString(delta, "text") is { Length: > 0 } text)
                    {
                        _text.Append(text);
                        _onText?.Invoke(text);
                    }

                    break;
                case "message_delta":
                    if (root.TryGetProperty("delta", out JsonElement messageDelta))
                    {
                        StopReason = OptionalString(messageDelta, "stop_reason") ?? StopReason;
                    }

                    ReadUsage(root);
                    break;
                case "error":
                    ReadError(root);
                    break;
            }
        }
        catch (JsonException)
        {
            // A malformed event is the proxy's problem to report; the text so far still stands.
        }
    }

    private bool ReadError(JsonElement root)
    {
        if (OptionalString(root, "type") != "error" || !root.TryGetProperty("error", out JsonElement error))
        {
            return false;
        }

        ErrorType = OptionalString(error, "type") ?? "api_error";
        ErrorMessage = OptionalString(error, "message") ?? "";
        return true;
    }

    private void ReadUsage(JsonElement owner)
    {
        if (!owner.TryGetProperty("usage", out JsonElement usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (usage.TryGetProperty("input_tokens", out JsonElement input) && input.TryGetInt32(out int inputTokens) && inputTokens > 0)
        {
            InputTokens = inputTokens;
        }

        if (usage.TryGetProperty("output_tokens", out JsonElement output) && output.TryGetInt32(out int outputTokens))
        {
            OutputTokens = outputTokens;
        }
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
