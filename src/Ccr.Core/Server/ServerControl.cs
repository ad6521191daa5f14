using System.Buffers;
using System.Globalization;
using System.Net;
using Ccr.Core.Server.Http;
using System.Text;
using System.Text.Json;
using Ccr.Core.Buffers;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Protocol.Inbound;
using Ccr.Core.Routing;

namespace Ccr.Core.Server;

/// <summary>The control channel: the token that authorizes /ccr/shutdown and what to do when it is called.</summary>
internal sealed class ServerControl
{
    private readonly ClientAuth _token;

    public ServerControl(string token, Func<Task> requestShutdown)
    {
        _token = new ClientAuth(token);
        RequestShutdown = requestShutdown;
    }

    /// <summary>Stops the proxy, draining first; awaited, never waited on, so the drain holds no thread-pool thread.</summary>
    public Func<Task> RequestShutdown { get; }

    public bool Authorizes(string? presented) => presented is not null && _token.IsAuthorized(presented, null);
}
