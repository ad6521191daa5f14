using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ccr.Core.Protocol;
using Ccr.Core.Tests.Routing;

namespace Ccr.Core.Tests.Protocol;

/// <summary>Feeds upstream SSE bytes through UpstreamSseReader and the stream translator, and reads the client-side events back.</summary>
internal static class StreamHarness
{
    public static byte[] BuildSse(JsonObject fixture)
    {
        string newline = (string?)fixture["line_ending"] ?? "\n";
        var sse = new StringBuilder();
        foreach (JsonNode? chunk in fixture["chunks"]!.AsArray())
        {
            if (chunk is JsonValue v && v.TryGetValue(out string? s))
            {
                if (s.StartsWith(':'))
                {
                    sse.Append(s).Append(newline).Append(newline);
                }
                else if (s.StartsWith("RAW:", StringComparison.Ordinal))
                {
                    sse.Append("data: ").Append(s[4..]).Append(newline).Append(newline);
                }
                else
                {
                    sse.Append("data: ").Append(s).Append(newline).Append(newline);
                }
            }
            else
            {
                sse.Append("data: ").Append(chunk!.ToJsonString()).Append(newline).Append(newline);
            }
        }

        return Encoding.UTF8.GetBytes(sse.ToString());
    }

    public static async Task<byte[]> TranslateAsync(Stream upstream, string model, int estimate, bool complete = true)
    {
        var translator = new OpenAIToAnthropicStream(model, estimate, TestProviders.Generic);
        var output = new ArrayBufferWriter<byte>();
        await translator.TranslateAllAsync(upstream, output, CancellationToken.None);

        if (complete)
        {
            translator.Complete(output);
        }

        return output.WrittenSpan.ToArray();
    }

    public static List<(string Event, JsonNode Data)> ParseEvents(byte[] output)
    {
        var events = new List<(string, JsonNode)>();
        string text = Encoding.UTF8.GetString(output);
        Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
        foreach (string block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string[] lines = block.Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("event: ", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
            string name = lines[0]["event: ".Length..];
            byte[] data = Encoding.UTF8.GetBytes(lines[1]["data: ".Length..]);
            AnthropicSchema.ParseEvent(name, data);
            events.Add((name, JsonNode.Parse(data)!));
        }

        return events;
    }

    /// <summary>Checks the event grammar: message_start first, blocks started once and stopped once, deltas only to open blocks of the right kind, message_stop last.</summary>
    public static void AssertWellFormed(List<(string Event, JsonNode Data)> events, bool expectError = false)
    {
        Assert.NotEmpty(events);
        var open = new Dictionary<int, string>();
        var seen = new HashSet<int>();
        int nextIndex = 0;
        bool started = false;
        for (int i = 0; i < events.Count; i++)
        {
            (string name, JsonNode data) = events[i];
            switch (name)
            {
                case "message_start":
                    Assert.False(started, "second message_start");
                    started = true;
                    break;
                case "content_block_start":
                    Assert.True(started);
                    int index = (int)data["index"]!;
                    Assert.Equal(nextIndex++, index);
                    Assert.True(seen.Add(index));
                    open[index] = (string)data["content_block"]!["type"]!;
                    break;
                case "content_block_delta":
                    int di = (int)data["index"]!;
                    Assert.True(open.ContainsKey(di), "delta to a block that is not open: " + di);
                    string deltaType = (string)data["delta"]!["type"]!;
                    string expectedBlock = deltaType switch { "text_delta" => "text", "input_json_delta" => "tool_use", _ => "thinking" };
                    Assert.Equal(expectedBlock, open[di]);
                    break;
                case "content_block_stop":
                    Assert.True(open.Remove((int)data["index"]!), "stop of a block that is not open");
                    break;
                case "message_delta":
                    Assert.Empty(open);
                    break;
                case "message_stop":
                    Assert.Equal(events.Count - 1, i);
                    Assert.Equal("message_delta", events[i - 1].Event);
                    break;
                case "error":
                    Assert.True(expectError, "unexpected error event");
                    Assert.Equal(events.Count - 1, i);
                    return;
                default:
                    break;
            }
        }

        Assert.False(expectError, "expected an error event");
        Assert.Equal("message_stop", events[^1].Event);
    }

    /// <summary>A stream that hands out its bytes in the given piece sizes, to split SSE lines anywhere.</summary>
    public sealed class ChoppedStream(byte[] data, Func<int, int> pieceSize) : Stream
    {
        private int _position;
        private int _reads;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(Math.Min(buffer.Length, pieceSize(_reads++)), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
