using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Ccr.Core.Config;

namespace Ccr.Core.Providers;

/// <summary>
/// The one HttpClient every upstream call goes through: pooled connections, HTTP/2 where an HTTPS
/// upstream offers it, the configured or environment proxy. Shared for the life of a proxy because
/// a new client per request would throw away the pool and pay TLS again.
/// </summary>
internal sealed class UpstreamClient : IDisposable
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    /// <summary>The attempt's connect deadline, carried on the request to <see cref="ConnectAsync"/>.</summary>
    private static readonly HttpRequestOptionsKey<TimeSpan> s_connectTimeout = new("Ccr.ConnectTimeout");

    /// <summary>For a request that carries no deadline of its own.</summary>
    private static readonly TimeSpan s_defaultConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpClient _client;

    public UpstreamClient(string? proxyUrl)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = int.MaxValue,
            EnableMultipleHttp2Connections = true,
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate | DecompressionMethods.Brotli,
            // The connect deadline is per attempt and comes from the config in force when the attempt starts: the client is
            // shared across config reloads, and the handler's own ConnectTimeout is frozen once the first request is sent.
            // So ConnectAsync reads it from the request, and its timeout has a type of its own (so the router can say
            // connect_timeout rather than a bare cancellation).
            ConnectTimeout = Timeout.InfiniteTimeSpan,
            ConnectCallback = ConnectAsync,
            AllowAutoRedirect = false,
            UseCookies = false,
        };

        // PROXY_URL wins; otherwise HttpClient's default proxy already honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY.
        if (!string.IsNullOrWhiteSpace(proxyUrl))
        {
            handler.Proxy = new WebProxy(new Uri(proxyUrl, UriKind.Absolute)) { BypassProxyOnLocal = true };
            handler.UseProxy = true;
        }

        // The per-attempt timeout is a CancellationToken owned by the router, so the client never times out on its own.
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("Ccr/" + CcrInfo.Version);
    }

    /// <summary>
    /// Sends <paramref name="body"/> to the provider's endpoint and returns as soon as the response
    /// headers arrive, so streams can be forwarded while they are still being produced.
    /// </summary>
    public Task<HttpResponseMessage> SendAsync(
        ProviderConfig provider,
        ProviderProfile profile,
        ReadOnlyMemory<byte> body,
        bool stream,
        IReadOnlyList<KeyValuePair<string, string>> forwardHeaders,
        TimeSpan connectTimeout,
        CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, provider.Endpoint)
        {
            Content = new ReadOnlyMemoryContent(body),
        };
        request.Options.Set(s_connectTimeout, connectTimeout);
        request.Content.Headers.ContentType = s_json;
        if (provider.Endpoint.Scheme == Uri.UriSchemeHttps)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
        }

        if (stream)
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
        }

        foreach (KeyValuePair<string, string> header in forwardHeaders)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        profile.ApplyExtraHeaders(request);
        profile.ApplyAuth(request, provider.ApiKey);

        // The body memory is the caller's pooled buffer, which it keeps until the response is done.
        return _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Opens the TCP connection as SocketsHttpHandler would, within the connect deadline of the request that asked for it.</summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        TimeSpan deadline = context.InitialRequestMessage.Options.TryGetValue(s_connectTimeout, out TimeSpan asked) ? asked : s_defaultConnectTimeout;
        // Dual-mode where the OS has IPv6, so a host name that resolves to either family connects, as the default would.
        Socket socket = Socket.OSSupportsIPv6
            ? new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var connectToken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectToken.CancelAfter(deadline);
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, connectToken.Token).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new UpstreamConnectTimeoutException(context.DnsEndPoint.Host, context.DnsEndPoint.Port, deadline);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
