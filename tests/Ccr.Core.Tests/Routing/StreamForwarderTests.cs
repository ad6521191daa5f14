using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Routing;
using Ccr.Core.Telemetry;

namespace Ccr.Core.Tests.Routing;

/// <summary>
/// The passthrough stream vets its first event with the one SSE framer, over a real loopback socket the test holds
/// open, and forwards every byte untouched once it is good.
/// </summary>
public sealed class StreamForwarderTests : IDisposable
{
    private const string ErrorJson = """{"type":"error","error":{"type":"overloaded_error","message":"busy"}}""";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CcrMetrics _metrics = new();

    public StreamForwarderTests() => _listener.Start();

    [Theory]
    [InlineData("event: error\rdata: " + ErrorJson + "\r\r")]
    [InlineData("event: error\r\ndata: {\"type\":\"error\",\r\ndata: \"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"}}\r\n\r\n")]
    public async Task PassThrough_FirstEventIsAnError_FailsBeforeTheClientSeesAByte_WhileTheUpstreamStaysOpen(string firstEvent)
    {
        (Socket upstream, NetworkStream proxySide) = await ConnectAsync();
        using (upstream)
        await using (proxySide)
        {
            await upstream.SendAsync(Encoding.UTF8.GetBytes(firstEvent));
            var sink = new RecordingSink();

            // The upstream never closes: the error must be seen from the first event alone.
            AttemptResult result = await Forwarder(sink).PassThroughAsync(proxySide, openAIClient: false).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(AttemptOutcome.Failed, result.Outcome);
            Assert.Equal("overloaded_error", result.Failure!.Error.Type);
            Assert.False(sink.HasStarted);
        }
    }

    [Fact]
    public async Task PassThrough_GoodFirstEvent_ForwardsEveryByteAsItCame()
    {
        string stream = "event: message_start\rdata: {\"type\":\"message_start\"}\r\r: comment\r\nevent: ping\ndata: {\"type\":\"ping\"}\n\n" +
            "event: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n";
        (Socket upstream, NetworkStream proxySide) = await ConnectAsync();
        using (upstream)
        await using (proxySide)
        {
            await upstream.SendAsync(Encoding.UTF8.GetBytes(stream));
            upstream.Shutdown(SocketShutdown.Send);
            var sink = new RecordingSink();

            AttemptResult result = await Forwarder(sink).PassThroughAsync(proxySide, openAIClient: false).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(AttemptOutcome.Succeeded, result.Outcome);
            Assert.Equal(200, sink.Status);
            Assert.Equal("p,m", sink.Headers["x-ccr-route"]);
            Assert.Equal(stream, sink.Body);
        }
    }

    [Fact]
    public async Task PassThrough_UpstreamClosesWithNothing_FailsSoTheNextTierCanServe()
    {
        (Socket upstream, NetworkStream proxySide) = await ConnectAsync();
        using (upstream)
        await using (proxySide)
        {
            upstream.Shutdown(SocketShutdown.Send);
            var sink = new RecordingSink();

            AttemptResult result = await Forwarder(sink).PassThroughAsync(proxySide, openAIClient: false).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(AttemptOutcome.Failed, result.Outcome);
            Assert.True(result.Failure!.Retryable);
            Assert.False(sink.HasStarted);
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Dispose();
        _metrics.Dispose();
    }

    private StreamForwarder Forwarder(RecordingSink sink)
    {
        var provider = new ProviderConfig { Name = "p", ApiBaseUrl = "http://127.0.0.1:1/anthropic", Endpoint = new Uri("http://127.0.0.1:1/anthropic/v1/messages"), Protocol = WireProtocol.Anthropic };
        var target = new PlannedTarget(new RouteTarget("p", "m"), 0, "tier-0", new ProviderRuntime(provider));
        var attemptToken = new CancellationTokenSource();
        return new StreamForwarder(_metrics, target, sink, attemptToken, TimeSpan.FromSeconds(60), CancellationToken.None);
    }

    private async Task<(Socket Upstream, NetworkStream ProxySide)> ConnectAsync()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync((IPEndPoint)_listener.LocalEndpoint);
        Socket upstream = await _listener.AcceptSocketAsync();
        return (upstream, new NetworkStream(client, ownsSocket: true));
    }
}
