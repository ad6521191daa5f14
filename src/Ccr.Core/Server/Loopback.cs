using System.Net;

namespace Ccr.Core.Server;

/// <summary>The one answer to "does this host name stay on this machine?", for binding the proxy and for judging provider URLs.</summary>
internal static class Loopback
{
    /// <summary>True for <c>localhost</c> and any loopback address (<c>127.0.0.0/8</c>, <c>::1</c>, bracketed or not).</summary>
    public static bool IsLoopback(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host is "127.0.0.1" or "localhost" or "::1" or "[::1]" ||
            (IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address));
    }

    /// <summary>True when <paramref name="url"/> points at this machine.</summary>
    public static bool IsLoopback(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsLoopback || IsLoopback(url.Host);
    }
}
