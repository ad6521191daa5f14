namespace Ccr.Core.Providers;

/// <summary>
/// The connection to an upstream (or to PROXY_URL) did not open within the attempt's connect deadline. Its own type so the
/// router can tell a connect timeout from every other cancellation, which all look alike once HttpClient wraps them.
/// </summary>
public sealed class UpstreamConnectTimeoutException : TimeoutException
{
    /// <summary>Creates the exception for <paramref name="host"/>:<paramref name="port"/> after <paramref name="timeout"/>.</summary>
    public UpstreamConnectTimeoutException(string host, int port, TimeSpan timeout)
        : base("No connection to " + host + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture) + " within "
            + ((long)timeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) + " ms.")
    {
        Timeout = timeout;
    }

    /// <summary>Creates the exception with a message of its own.</summary>
    public UpstreamConnectTimeoutException()
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public UpstreamConnectTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public UpstreamConnectTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The connect deadline that passed.</summary>
    public TimeSpan Timeout { get; }
}
