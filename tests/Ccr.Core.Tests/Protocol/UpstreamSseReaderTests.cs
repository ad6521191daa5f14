using System.Text;
using Ccr.Core.Protocol;

namespace Ccr.Core.Tests.Protocol;

public class UpstreamSseReaderTests
{
    [Theory]
    [InlineData("data: a\n\ndata: b\n\n", new[] { "a", "b" })]
    [InlineData("data: a\r\n\r\ndata: b\r\n\r\n", new[] { "a", "b" })]
    [InlineData("data: a\r\rdata: b\r\r", new[] { "a", "b" })]
    [InlineData("data:a\n\ndata:  b\n\n", new[] { "a", " b" })]
    [InlineData("data: one\ndata: two\ndata\n\n", new[] { "one\ntwo\n" })]
    [InlineData(": keep-alive\n\nevent: message\nid: 7\nretry: 10\ndata: x\n\n", new[] { "x" })]
    [InlineData("event: ping\n\n\n\ndata: y\n\n", new[] { "y" })]
    [InlineData("\uFEFFdata: bom\n\n", new[] { "bom" })]
    [InlineData("data: [DONE]", new[] { "[DONE]" })]
    [InlineData("data: last\n", new[] { "last" })]
    [InlineData("", new string[0])]
    public async Task Frames_EventsAsTheSseSpecSays_AtEverySplitOfTheBytes(string sse, string[] expected)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(sse);
        for (int chunk = 1; chunk <= Math.Max(1, bytes.Length); chunk++)
        {
            Assert.Equal(expected, await ReadAllAsync(new ChunkedStream(bytes, chunk)));
        }
    }

    [Fact]
    public async Task AnEventLargerThanTheFirstBuffer_ArrivesWhole()
    {
        string big = new('x', 100_000);
        string sse = "data: small\n\ndata: " + big + "\n\ndata: after\n\n";

        Assert.Equal(new[] { "small", big, "after" }, await ReadAllAsync(new ChunkedStream(Encoding.UTF8.GetBytes(sse), 7_000)));
    }

    [Fact]
    public async Task ManyDataLinesAcrossReads_AreJoinedInOrder()
    {
        var sse = new StringBuilder();
        var expected = new List<string>();
        for (int i = 0; i < 500; i++)
        {
            sse.Append("data: line ").Append(i).Append('\n');
            expected.Add("line " + i);
        }

        sse.Append('\n');
        Assert.Equal(new[] { string.Join('\n', expected) }, await ReadAllAsync(new ChunkedStream(Encoding.UTF8.GetBytes(sse.ToString()), 13)));
    }

    private static async Task<string[]> ReadAllAsync(Stream stream)
    {
        var events = new List<string>();
        using var reader = new UpstreamSseReader(stream);
        while (await reader.FillAsync(CancellationToken.None) || !reader.Completed)
        {
            Take(reader, events);
        }

        Take(reader, events);
        return events.ToArray();
    }

    private static void Take(UpstreamSseReader reader, List<string> events)
    {
        while (reader.TryRead(out ReadOnlySpan<byte> data))
        {
            events.Add(Encoding.UTF8.GetString(data));
        }
    }

    /// <summary>Hands out at most <c>chunk</c> bytes per read, as a network stream may.</summary>
    private sealed class ChunkedStream(byte[] bytes, int chunk) : MemoryStream(bytes, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
