using System.Net;
using System.Net.Sockets;

namespace Ccr.Core.Server;

/// <summary>
/// Whether a loopback port is free for the proxy, asked the way each OS needs. A bind test on 127.0.0.1 alone is
/// not enough everywhere: Windows lets a specific-address bind succeed beside another program's wildcard
/// (0.0.0.0) listener of the same user ("Using SO_REUSEADDR and SO_EXCLUSIVEADDRUSE": the CHECK case), and on
/// macOS .NET binds with SO_REUSEADDR, which BSD sockets read the same way. The proxy would then shadow that
/// program on 127.0.0.1 without a word. Linux refuses such a bind itself. So where the OS allows the overlap,
/// the port also counts as taken when something accepts a connection on it.
/// </summary>
internal static class PortProbe
{
    /// <summary>
    /// How long a connect may take before the port counts as having no listener. A listener on loopback completes
    /// the handshake in the kernel within a millisecond; Windows answers a closed loopback port only after about
    /// 2 s of SYN retries, so the probe must not wait for the refusal there.
    /// </summary>
    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>True where a bind to a specific address can succeed beside another socket's wildcard bind of the same port.</summary>
    public static bool BindMayOverlapWildcard => !OperatingSystem.IsLinux();

    /// <summary>True when nothing holds <paramref name="port"/> on 127.0.0.1 and nothing accepts connections there.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch (SocketException)
        {
            return false;
        }

        return !(BindMayOverlapWildcard && HasListener(IPAddress.Loopback, port));
    }

    /// <summary>True when a connection to <paramref name="address"/>:<paramref name="port"/> is accepted within a short time.</summary>
    public static bool HasListener(IPAddress address, int port)
    {
        using var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = new CancellationTokenSource(s_connectTimeout);
            client.ConnectAsync(new IPEndPoint(address, port), timeout.Token).AsTask().GetAwaiter().GetResult();
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
