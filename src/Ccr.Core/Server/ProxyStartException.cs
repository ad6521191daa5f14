using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ccr.Core.Config;
using Ccr.Core.Routing;
using Ccr.Core.Server.Http;

namespace Ccr.Core.Server;

/// <summary>A proxy could not start; the message says what to do.</summary>
public sealed class ProxyStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProxyStartException(ProxyStartFailure failure, int port, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        Port = port;
    }

    /// <summary>What went wrong.</summary>
    public ProxyStartFailure Failure { get; }

    /// <summary>The port that was asked for.</summary>
    public int Port { get; }
}
