using System.Buffers;

namespace Ccr.Core.Protocol;

/// <summary>
/// Frames an upstream's server-sent events straight out of one pooled read buffer. Each event's data is
/// handed out as a slice of that buffer (joined into a scratch buffer only when an event has several data
/// lines), so forwarding an event costs no allocation and no async state machine of its own: the caller
/// takes every event already read with <see cref="TryRead"/>, and awaits <see cref="FillAsync"/> only
/// when none is left. Follows the WHATWG framing: LF, CRLF or CR line ends, <c>:</c> comments, one optional
/// space after the colon, data lines joined with LF, and an event ends at a blank line.
/// </summary>
internal sealed class UpstreamSseReader : IDisposable
{
    /// <summary>One event larger than this is refused rather than buffered without bound.</summary>
    internal const int MaxEventBytes = 64 * 1024 * 1024;

    private const int InitialBuffer = 16 * 1024;

    private static readonly byte[] s_byteOrderMark = [0xEF, 0xBB, 0xBF];

    private readonly Stream _stream;
    private readonly bool _keepRaw;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _scan;
    private byte[]? _joined;
    private int _joinedLength;
    private int _dataLines;
    private int _dataStart;
    private int _dataLength;
    private bool _atStart = true;
    private bool _skipLineFeed;
    private bool _ended;

    public UpstreamSseReader(Stream stream)
        : this(stream, keepRaw: false)
    {
    }

    /// <summary>
    /// A reader that, with <paramref name="keepRaw"/>, never drops a byte it has read, so a caller that only reads
    /// ahead (to vet the first event of a stream it then forwards untouched) can hand every byte on from <see cref="Raw"/>.
    /// </summary>
    public UpstreamSseReader(Stream stream, bool keepRaw)
    {
        _stream = stream;
        _keepRaw = keepRaw;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
    }

    /// <summary>True once the stream has ended and every buffered event has been taken.</summary>
    public bool Completed => _ended && _start >= _end && _dataLines == 0;

    /// <summary>Every byte read so far, as it came; only for a reader made with keepRaw (empty otherwise). Valid until the next <see cref="FillAsync"/>.</summary>
    public ReadOnlyMemory<byte> Raw => _keepRaw ? _buffer.AsMemory(0, _end) : ReadOnlyMemory<byte>.Empty;

    /// <summary>
    /// Takes the next complete event from what was already read, without I/O. The data stays valid until the
    /// next call to this method or to <see cref="FillAsync"/>.
    /// </summary>
    public bool TryRead(out ReadOnlySpan<byte> data)
    {
        while (true)
        {
            if (_skipLineFeed)
            {
                if (_scan == _end && !_ended)
                {
                    data = default;
                    return false;
                }

                // The CR that ended the last line read was the last byte then; an LF right after it is the same line end.
                _skipLineFeed = false;
                if (_scan < _end && _buffer[_scan] == (byte)'\n')
                {
                    _start = ++_scan;
                }
            }

            int lineStart = _start;
            int relative = _buffer.AsSpan(_scan, _end - _scan).IndexOfAny((byte)'\n', (byte)'\r');
            if (relative < 0)
            {
                _scan = _end;
                if (_ended)
                {
                    // A last event the upstream did not end with a blank line still carries its data.
                    if (_start < _end)
                    {
                        ReadField(_buffer.AsSpan(_start, _end - _start), _start);
                        _start = _scan = _end;
                    }

                    return Dispatch(out data);
                }

                data = default;
                return false;
            }

            int lineEnd = _scan + relative;
            int next = lineEnd + 1;
            if (_buffer[lineEnd] == (byte)'\r')
            {
                if (next == _end && !_ended)
                {
                    // A CR at the end of what was read may be the first half of a CRLF: the line ends here either way, so
                    // it is read now (an event it completes leaves at once) and an LF that arrives next is skipped.
                    _skipLineFeed = true;
                }
                else if (next < _end && _buffer[next] == (byte)'\n')
                {
                    next++;
                }
            }

            _start = _scan = next;
            ReadOnlySpan<byte> line = _buffer.AsSpan(lineStart, lineEnd - lineStart);
            if (_atStart)
            {
                _atStart = false;
                if (line.StartsWith(s_byteOrderMark))
                {
                    line = line[3..];
                    lineStart += 3;
                }
            }

            if (line.IsEmpty)
            {
                if (Dispatch(out data))
                {
                    return true;
                }

                continue;
            }

            ReadField(line, lineStart);
        }
    }

    /// <summary>Reads more of the stream; false when it has ended.</summary>
    public async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return false;
        }

        MakeRoom();
        int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            _ended = true;
            return false;
        }

        _end += read;
        return true;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        if (_joined is not null)
        {
            ArrayPool<byte>.Shared.Return(_joined);
        }

        _buffer = [];
        _joined = null;
    }

    private void ReadField(ReadOnlySpan<byte> line, int lineStart)
    {
        if (line[0] == (byte)':')
        {
            return;
        }

        int colon = line.IndexOf((byte)':');
        ReadOnlySpan<byte> name = colon < 0 ? line : line[..colon];
        if (!name.SequenceEqual("data"u8))
        {
            // event, id and retry do not change how an OpenAI-style chunk is translated.
            return;
        }

        int valueStart = colon < 0 ? line.Length : colon + 1;
        if (valueStart < line.Length && line[valueStart] == (byte)' ')
        {
            valueStart++;
        }

        int absolute = lineStart + valueStart;
        int length = line.Length - valueStart;
        if (_dataLines == 0)
        {
            _dataStart = absolute;
            _dataLength = length;
        }
        else
        {
            // Rare: several data lines make one value joined with LF, built aside because the lines are not adjacent.
            if (_dataLines == 1)
            {
                _joinedLength = 0;
                AppendJoined(_buffer.AsSpan(_dataStart, _dataLength));
            }

            AppendJoined("\n"u8);
            AppendJoined(_buffer.AsSpan(absolute, length));
        }

        _dataLines++;
    }

    private bool Dispatch(out ReadOnlySpan<byte> data)
    {
        if (_dataLines == 0)
        {
            data = default;
            return false;
        }

        data = _dataLines == 1 ? _buffer.AsSpan(_dataStart, _dataLength) : _joined.AsSpan(0, _joinedLength);
        _dataLines = 0;
        return true;
    }

    private void AppendJoined(ReadOnlySpan<byte> bytes)
    {
        if (_joined is null || _joined.Length - _joinedLength < bytes.Length)
        {
            int needed = _joinedLength + bytes.Length;
            if (needed > MaxEventBytes)
            {
                throw new IOException($"An upstream stream event is larger than {MaxEventBytes / (1024 * 1024)} MiB; it was refused.");
            }

            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 4096));
            if (_joined is not null)
            {
                _joined.AsSpan(0, _joinedLength).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_joined);
            }

            _joined = larger;
        }

        bytes.CopyTo(_joined.AsSpan(_joinedLength));
        _joinedLength += bytes.Length;
    }

    /// <summary>Moves the unread bytes (and a pending event's single data line) to the front, or grows the buffer.</summary>
    private void MakeRoom()
    {
        int keepFrom = _keepRaw ? 0 : _dataLines == 1 ? Math.Min(_start, _dataStart) : _start;
        if (keepFrom > 0 && (_end == _buffer.Length || keepFrom >= _buffer.Length / 2))
        {
            int kept = _end - keepFrom;
            _buffer.AsSpan(keepFrom, kept).CopyTo(_buffer);
            _start -= keepFrom;
            _scan -= keepFrom;
            _dataStart -= keepFrom;
            _end = kept;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxEventBytes)
            {
                throw new IOException($"An upstream stream event is larger than {MaxEventBytes / (1024 * 1024)} MiB; it was refused.");
            }

            byte[] larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            _buffer.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }
}
