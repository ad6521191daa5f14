using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ccr.Core.Config;
using Ccr.Core.Routing;
using Ccr.Core.Server.Http;

namespace Ccr.Core.Server;

/// <summary>Why a proxy could not start.</summary>
public enum ProxyStartFailure
{
    /// <summary>Another program holds the port.</summary>
    PortInUse,

    /// <summary>HOST is not loopback and no APIKEY is set.</summary>
    NonLoopbackWithoutApiKey,

    /// <summary>The config file is missing or invalid.</summary>
    ConfigInvalid,
}
