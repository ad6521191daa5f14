using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ccr.Core.Server;

/// <summary>
/// Asks a port whether a Ccr proxy serves it. Liveness is always asked of the port itself, never
/// guessed from PID files (which broke the Node router on Windows).
/// </summary>
public static class ProxyProbe
{
    private static readonly HttpClient s_client = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>Returns the proxy's health, or null when nothing (or nothing that answers like Ccr) listens on the port.</summary>
    public static async Task<ProxyHealth?> GetHealthAsync(int port, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            Uri url = new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/health"));
            using HttpResponseMessage response = await s_client.GetAsync(url, cts.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            return await response.Content.ReadFromJsonAsync<ProxyHealth>(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or NotSupportedException)
        {
            return null;
        }
    }
}
