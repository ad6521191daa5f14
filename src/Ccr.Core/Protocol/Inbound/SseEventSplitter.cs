using System.Buffers;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// Cuts an Anthropic SSE byte stream, pushed in any chunking, into whole events. The router may hand
/// over half an event (it passes an Anthropic upstream through as it reads it), so partial lines wait
/// here until their end arrives. Only the current line and the current event's data are held.
/// </summary>
internal sealed class SseEventSplitter
{
    /// <summary>One event larger than this is not a real Anthropic event; refusing it keeps memory bounded.</summary>
    internal const int MaxEventBytes = 4 * 1024 * 1024;

    private readonly ArrayBufferWriter<byte> _line = new(256);
    private readonly ArrayBufferWriter<byte> _data = new(1024);
    private readonly ArrayBufferWriter<byte> _eventType = new(32);
    private bool _hasData;
    private bool _dispatched;

    /// <summary>
    /// Consumes <paramref name="input"/> up to the end of the next whole event and returns it; the spans
    /// stay valid until the next call. Returns false once the input is used up without finishing an event.
    /// </summary>
    /// <exception cref="InvalidDataException">An event or line exceeds <see cref="MaxEventBytes"/>.</exception>
    public bool TryReadEvent(ref ReadOnlySpan<byte> input, out ReadOnlySpan<byte> eventType, out ReadOnlySpan<byte> data)
    {
        ResetIfDispatched();
        while (!input.IsEmpty)
        {
            int newline = input.IndexOf((byte)'\n');
            if (newline < 0)
            {
                Append(_line, input);
                input = default;
                break;
            }

            ReadOnlySpan<byte> segment = input[..newline];
            input = input[(newline + 1)..];
            bool complete;
            if (_line.WrittenCount > 0)
            {
                Append(_line, segment);
                complete = ProcessLine(_line.WrittenSpan);
                _line.ResetWrittenCount();
            }
            else
            {
                complete = ProcessLine(segment);
            }

            if (complete)
            {
                return Dispatch(out eventType, out data);
            }
        }

        eventType = default;
        data = default;
        return false;
    }

    /// <summary>At the end of the stream: returns an event left without its closing blank line, if any.</summary>
    public bool TryFlush(out ReadOnlySpan<byte> eventType, out ReadOnlySpan<byte> data)
    {
        ResetIfDispatched();
        if (_line.WrittenCount > 0)
        {
            ProcessLine(_line.WrittenSpan);
            _line.ResetWrittenCount();
        }

        if (_hasData)
        {
            return Dispatch(out eventType, out data);
        }

        eventType = default;
        data = default;
        return false;
    }

    private bool Dispatch(out ReadOnlySpan<byte> eventType, out ReadOnlySpan<byte> data)
    {
        _dispatched = true;
        eventType = _eventType.WrittenSpan;
        data = _data.WrittenSpan;
        return true;
    }

    private void ResetIfDispatched()
    {
        if (_dispatched)
        {
            _dispatched = false;
            _hasData = false;
            _data.ResetWrittenCount();
            _eventType.ResetWrittenCount();
        }
    }

    /// <summary>Returns true when the line is the blank line that ends an event carrying data.</summary>
    private bool ProcessLine(ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.IsEmpty)
        {
            if (_hasData)
            {
                return true;
            }

            // A blank line after an event name alone (or after comments) ends nothing worth reporting.
            _eventType.ResetWrittenCount();
            return false;
        }

        if (line.StartsWith("data:"u8))
        {
            if (_hasData)
            {
                Append(_data, "\n"u8);
            }

            Append(_data, FieldValue(line[5..]));
            _hasData = true;
        }
        else if (line.StartsWith("event:"u8))
        {
            _eventType.ResetWrittenCount();
            Append(_eventType, FieldValue(line[6..]));
        }

        // Comments (":"), id: and retry: carry nothing the translation needs.
        return false;
    }

    private static ReadOnlySpan<byte> FieldValue(ReadOnlySpan<byte> value) =>
        !value.IsEmpty && value[0] == (byte)' ' ? value[1..] : value;

    private static void Append(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> bytes)
    {
        if (buffer.WrittenCount + bytes.Length > MaxEventBytes)
        {
            throw new InvalidDataException("An event of the upstream stream is larger than " + (MaxEventBytes / (1024 * 1024)).ToString(System.Globalization.CultureInfo.InvariantCulture) + " MiB.");
        }

        buffer.Write(bytes);
    }
}
