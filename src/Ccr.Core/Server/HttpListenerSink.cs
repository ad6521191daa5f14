using System.Net;
using Ccr.Core.Routing;

namespace Ccr.Core.Server;

/// <summary>Writes the router's answer to an HttpListener response: whole bodies with a length, streams chunked and pushed per event.</summary>
internal sealed class HttpListenerSink : IResponseSink
{
    private readonly HttpListenerResponse _response;

    public HttpListenerSink(HttpListenerResponse response)
    {
        _response = response;
    }

    public bool HasStarted { get; private set; }

    public void SetHeader(string name, string value)
    {
        if (!HasStarted)
        {
            _response.Headers[name] = value;
        }
    }

    public void StartStream(int status, string contentType)
    {
        _response.StatusCode = status;
        _response.ContentType = contentType;
        _response.SendChunked = true;
        _response.Headers["Cache-Control"] = "no-cache";
        _response.Headers["X-Accel-Buffering"] = "no";
        HasStarted = true;
    }

    public async ValueTask WriteCompleteAsync(int status, string contentType, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        _response.StatusCode = status;
        _response.ContentType = contentType;
        _response.ContentLength64 = body.Length;
        HasStarted = true;
        await _response.OutputStream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask WriteAndFlushAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Stream output = _response.OutputStream;
        await output.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
