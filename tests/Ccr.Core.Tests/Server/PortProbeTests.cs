using System.Net;
using System.Net.Sockets;
using Ccr.Core.Server;

namespace Ccr.Core.Tests.Server;

/// <summary>The port check with real sockets.</summary>
public class PortProbeTests
{
    [Fact]
    public void AFreePort_IsFreeAndHasNoListener()
    {
        int port = FreePort();

        Assert.True(PortProbe.IsFree(port));
        Assert.False(PortProbe.HasListener(IPAddress.Loopback, port));
    }

    [Fact]
    public void AProgramOnTheWildcardAddress_TakesThePort()
    {
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        other.Bind(new IPEndPoint(IPAddress.Any, 0));
        other.Listen(8);
        int port = ((IPEndPoint)other.LocalEndPoint!).Port;

        Assert.True(PortProbe.HasListener(IPAddress.Loopback, port));
        Assert.False(PortProbe.IsFree(port));
    }

    [Fact]
    public void AProgramOnLoopback_TakesThePort()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        int port = ((IPEndPoint)other.LocalEndpoint).Port;

        Assert.False(PortProbe.IsFree(port));
    }

    [Fact]
    public void OnlyLinux_RefusesASpecificBindBesideAWildcardListener() =>
        Assert.Equal(!OperatingSystem.IsLinux(), PortProbe.BindMayOverlapWildcard);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
