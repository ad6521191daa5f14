using System.Buffers;
using System.Text.Json;

namespace FakeUpstream;

/// <summary>Builds SSE events (<c>event:</c> line optional, one <c>data:</c> line of JSON) into byte segments.</summary>
internal sealed class SseBuffer
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly List<byte[]> _segments = [];

    public IReadOnlyList<byte[]> Segments => _segments;

    /// <summary>Writes one event; <paramref name="writeData"/> writes the JSON value of its data line.</summary>
    public void Event(string? eventName, Action<Utf8JsonWriter> writeData)
    {
        if (eventName is not null)
        {
            Append("event: "u8);
            Append(System.Text.Encoding.UTF8.GetBytes(eventName));
            Append("\n"u8);
        }

        Append("data: "u8);
        using (var writer = new Utf8JsonWriter(_buffer, s_writerOptions))
        {
            writeData(writer);
        }

        Append("\n\n"u8);
    }

    public void Raw(ReadOnlySpan<byte> bytes) => Append(bytes);

    /// <summary>Ends the current segment: everything written since the last cut goes onto the wire together.</summary>
    public void Cut()
    {
        if (_buffer.WrittenCount > 0)
        {
            _segments.Add(_buffer.WrittenSpan.ToArray());
            _buffer.Clear();
        }
    }

    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
    }
}
