using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ccr.Core.Config;

namespace Ccr.Core.Server;

/// <summary>
/// Talks to the Ccr proxy on a loopback port, whichever process runs it: <c>/health</c>,
/// <c>/ccr/tiers</c> and <c>/ccr/shutdown</c>. Liveness is always asked of the port itself, never
/// guessed from PID files (which broke the Node router on Windows). Each question is one method
/// with its own time limit; a new read-only endpoint is one more <see cref="GetJsonAsync{T}"/> call.
/// </summary>
internal sealed class ProxyControlClient
{
    /// <summary>How long a stopped proxy may take to drain before it is considered stuck, beyond the caller's drain time.</summary>
    private static readonly TimeSpan s_proxyOwnDrain = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(200);

    // One client for the process: a loopback port answers at once or not at all, so connecting is bounded tightly;
    // each call sets its own overall limit through its token.
    private static readonly HttpClient s_client = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly string? _apiKey;
    private readonly string _stateFolder;

    /// <param name="port">The proxy's port on 127.0.0.1.</param>
    /// <param name="apiKey">The config's APIKEY, sent to endpoints that need it; null when the config has none.</param>
    /// <param name="stateFolder">Where the proxy wrote its control token; default the user's state folder.</param>
    public ProxyControlClient(int port, string? apiKey = null, string? stateFolder = null)
    {
        Port = port;
        _apiKey = string.IsNullOrEmpty(apiKey) ? null : apiKey;
        _stateFolder = stateFolder ?? ConfigPaths.StateFolder;
        BaseUrl = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The port asked.</summary>
    public int Port { get; }

    /// <summary><c>http://127.0.0.1:{port}</c>, without a trailing slash.</summary>
    public string BaseUrl { get; }

    /// <summary>Where the live tier state is read from.</summary>
    public string TiersUrl => BaseUrl + "/ccr/tiers";

    /// <summary>How long to wait for a proxy that accepted a stop request to go quiet, given the drain time asked for.</summary>
    public static TimeSpan StopWaitLimit(TimeSpan drainTimeout) =>
        (drainTimeout > s_proxyOwnDrain ? drainTimeout : s_proxyOwnDrain) + TimeSpan.FromSeconds(5);

    /// <summary>The proxy's health, or null when nothing (or nothing that answers like Ccr) listens on the port within <paramref name="timeout"/>.</summary>
    public async Task<ProxyHealth?> GetHealthAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using HttpResponseMessage response = await s_client.GetAsync(new Uri(BaseUrl + "/health"), cts.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            ProxyHealth? health = await response.Content.ReadFromJsonAsync<ProxyHealth>(cts.Token).ConfigureAwait(false);
            return health is { IsCcr: true } ? health : null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Each tier's live state as the proxy sees it (cooldowns, open circuits, quota, counts).</summary>
    public Task<ControlReply<IReadOnlyList<TierStatus>>> GetTiersAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync<IReadOnlyList<TierStatus>>("/ccr/tiers", TimeSpan.FromSeconds(5), body => TierStatusReport.Parse(body), cancellationToken);

    /// <summary>The proxy's usage report for <paramref name="query"/> (<c>GET /ccr/usage</c>).</summary>
    public Task<ControlReply<Usage.UsageReport>> GetUsageAsync(Usage.UsageQuery query, CancellationToken cancellationToken = default) =>
        GetJsonAsync("/ccr/usage" + query.ToQueryString(), TimeSpan.FromSeconds(10), body => Usage.UsageReport.Parse(body), cancellationToken);

    /// <summary>Latency, traffic and the last decisions from the proxy's memory (<c>GET /ccr/dashboard</c>), for Watch-CcrProxy.</summary>
    public Task<ControlReply<LiveReport>> GetLiveAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync("/ccr/dashboard", TimeSpan.FromSeconds(5), body => LiveReport.Parse(body), cancellationToken);

    /// <summary>Asks the proxy to stop, proving with this user's control token that the caller may; true when it accepted.</summary>
    public async Task<bool> RequestStopAsync(CancellationToken cancellationToken = default)
    {
        string? token = ControlFile.ReadToken(_stateFolder, Port);
        if (token is null)
        {
            return false;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl + "/ccr/shutdown"));
        request.Headers.Add("x-ccr-control-token", token);
        try
        {
            using HttpResponseMessage response = await s_client.SendAsync(request, cts.Token).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.Accepted;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Asks the proxy to stop, then waits up to <paramref name="waitLimit"/> for it to have stopped: its port quiet,
    /// and its state (quota, usage) written, which it signals by deleting its control file as its last step.
    /// </summary>
    public async Task<ProxyStopOutcome> StopAndWaitAsync(TimeSpan waitLimit, CancellationToken cancellationToken = default)
    {
        string? token = ControlFile.ReadToken(_stateFolder, Port);
        int? pid = ControlFile.ReadPid(_stateFolder, Port);
        if (!await RequestStopAsync(cancellationToken).ConfigureAwait(false))
        {
            return ProxyStopOutcome.Refused;
        }

        long deadline = Environment.TickCount64 + (long)waitLimit.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            // The port goes quiet as soon as the proxy stops accepting, before it has flushed its counts to the
            // state files; a caller that reads those next (Get-CcrUsage, a successor proxy) must not beat the flush.
            if (await GetHealthAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false) is null
                && (ControlFile.ReadToken(_stateFolder, Port) != token || !IsRunning(pid)))
            {
                return ProxyStopOutcome.Stopped;
            }

            await Task.Delay(s_pollInterval, cancellationToken).ConfigureAwait(false);
        }

        return ProxyStopOutcome.TimedOut;
    }

    /// <summary>Whether the process that wrote the control file still runs (a proxy that crashed leaves its file behind).</summary>
    private static bool IsRunning(int? pid)
    {
        if (pid is null)
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid.Value);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>GETs <paramref name="path"/> with the APIKEY and parses the body; failures come back as a reply, not an exception.</summary>
    private async Task<ControlReply<T>> GetJsonAsync<T>(string path, TimeSpan timeout, Func<byte[], T> parse, CancellationToken cancellationToken)
        where T : class
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUrl + path));
        if (_apiKey is not null)
        {
            request.Headers.Add("x-api-key", _apiKey);
        }

        try
        {
            using HttpResponseMessage response = await s_client.SendAsync(request, cts.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return new ControlReply<T>(null, (int)response.StatusCode, null);
            }

            byte[] body = await response.Content.ReadAsByteArrayAsync(cts.Token).ConfigureAwait(false);
            return new ControlReply<T>(parse(body), (int)response.StatusCode, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ControlReply<T>(null, 0, string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalSeconds} s"));
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return new ControlReply<T>(null, 0, e.Message);
        }
    }
}
