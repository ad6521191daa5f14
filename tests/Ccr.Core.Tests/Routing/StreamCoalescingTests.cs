using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;
using FakeUpstream;

namespace Ccr.Core.Tests.Routing;

/// <summary>
/// A translated stream is written to the client once per burst of ready events, not once per event:
/// events that arrived together leave together, and an event that arrives alone leaves at once.
/// </summary>
public sealed class StreamCoalescingTests : IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ccr-coalesce-" + Guid.NewGuid().ToString("N"));
    private readonly FakeUpstreamServer _upstream = FakeUpstreamServer.Start();

    [Fact]
    public async Task EventsThatArriveTogether_LeaveInFewWrites_AllInOrder()
    {
        _upstream.ScriptDefault(FakeReply.Stream(200, TimeSpan.Zero, token: "t"));
        RecordingSink sink = await RouteStreamAsync();

        Assert.Equal(200, sink.Status);
        Assert.Equal(200, CountOf(sink.Body, "\"text_delta\""));
        Assert.Equal(new string('t', 200), TextOf(sink.Body));
        Assert.EndsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", sink.Body, StringComparison.Ordinal);

        // One write per event would be about 205 writes; a burst read from one socket read leaves in a handful.
        Assert.True(sink.Flushes.Count <= 20, $"{sink.Flushes.Count} writes for 200 events that arrived in one upstream write");
    }

    [Fact]
    public async Task AnEventThatArrivesAlone_IsWrittenBeforeTheNextOneArrives()
    {
        // The upstream sends each chunk after the last one only once the client has been written the delta before it,
        // so the test does not depend on a gap outlasting the machine's load. A router that held a delta for the
        // next event would keep the upstream waiting: the gate then gives up after 5 s, the next chunk arrives,
        // and the two deltas leave in one write, which the assertions below catch.
        using var deltaWritten = new SemaphoreSlim(0);
        var sink = new RecordingSink { AfterFlush = text => ReleaseOncePerDelta(deltaWritten, text) };
        _upstream.ScriptDefault(FakeReply.PacedStream(4, async segment =>
        {
            // Segment 1 is the first content chunk; from segment 2 on (the last being the finish chunk) each waits.
            if (segment >= 2)
            {
                await deltaWritten.WaitAsync(TimeSpan.FromSeconds(5));
            }
        }, token: "t"));
        await RouteStreamAsync(sink);

        Assert.Equal("tttt", TextOf(sink.Body));
        List<string> deltaWrites = sink.Flushes.Where(f => f.Contains("\"text_delta\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, deltaWrites.Count);
        Assert.All(deltaWrites, w => Assert.Equal(1, CountOf(w, "\"text_delta\"")));
    }

    private static void ReleaseOncePerDelta(SemaphoreSlim deltaWritten, string flushed)
    {
        int deltas = CountOf(flushed, "\"text_delta\"");
        if (deltas > 0)
        {
            deltaWritten.Release(deltas);
        }
    }

    private async Task<RecordingSink> RouteStreamAsync(RecordingSink? into = null)
    {
        string json = $$"""{"Providers":[{"name":"fake","api_base_url":"{{_upstream.OpenAIBaseUrl}}","api_key":"sk-test","models":["m"]}],"Router":{"default":"fake,m"},"LOG":false}""";
        CcrConfig config = ConfigLoader.LoadFromText(json, null).Config ?? throw new InvalidOperationException("test config did not load");
        await using var engine = new RouterEngine(config, new RouterEngineOptions { StateFolder = Path.Combine(_folder, "state"), LogFolder = Path.Combine(_folder, "logs") });
        byte[] body = Encoding.UTF8.GetBytes("""{"model":"fake,m","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        RecordingSink sink = into ?? new RecordingSink();
        var request = new InboundRequest { Body = body, Facts = RequestFacts.Read(body), RequestId = "req_test" };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        RouteResult result = await engine.Router.RouteAsync(request, sink, timeout.Token);
        Assert.True(result.Succeeded, result.Error?.Message);
        return sink;
    }

    private static int CountOf(string text, string what)
    {
        int count = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string TextOf(string sse)
    {
        var text = new StringBuilder();
        foreach (string line in sse.Split('\n'))
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains("\"text_delta\"", StringComparison.Ordinal))
            {
                using var doc = System.Text.Json.JsonDocument.Parse(line[6..]);
                text.Append(doc.RootElement.GetProperty("delta").GetProperty("text").GetString());
            }
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
