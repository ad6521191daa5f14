using System.Net;
using System.Net.Sockets;
using Ccr.Core.Server.Http;

namespace Ccr.Core.Tests.Server.Http;

public class HttpServerTimeoutTests
{
    [Fact]
    public async Task IdleConnection_IsClosedAfterTheKeepAliveTimeout()
    {
        await using var server = new HttpServer(_ => Task.CompletedTask, new HttpServerLimits { KeepAliveTimeout = TimeSpan.FromMilliseconds(500) }, () => 1024);
        server.Start(new[] { IPAddress.Loopback }, 0);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.Port);
        client.ReceiveTimeout = 5000;
        var buffer = new byte[16];
        var clock = System.Diagnostics.Stopwatch.StartNew();

        int read = await client.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(0, read);
        Assert.InRange(clock.Elapsed.TotalMilliseconds, 300, 2500);
    }
}
