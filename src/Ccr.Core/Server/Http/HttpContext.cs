using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccr.Core.Buffers;

namespace Ccr.Core.Server.Http;

/// <summary>One request as the handler sees it: the parsed head, the whole body, the response, and a token that fires when the client goes away.</summary>
internal sealed class HttpContext
{
    public HttpContext(HttpRequestHead request, PooledBufferWriter body, HttpResponse response, CancellationToken aborted)
    {
        Request = request;
        Body = body;
        Response = response;
        Aborted = aborted;
    }

    public HttpRequestHead Request { get; }

    public PooledBufferWriter Body { get; }

    public HttpResponse Response { get; }

    /// <summary>Cancelled when the client closes its connection while the request is being served.</summary>
    public CancellationToken Aborted { get; }
}
