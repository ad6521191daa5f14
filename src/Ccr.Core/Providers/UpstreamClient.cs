using System.Net;
using System.Net.Http.Headers;
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
            ConnectTimeout = TimeSpan.FromSeconds(15),
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
        CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, provider.Endpoint)
        {
            Content = new ReadOnlyMemoryContent(body),
        };
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
}
