using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Ccr.Core.Server;
using FakeUpstream;

namespace Ccr.Core.Tests.Server;

/// <summary>
/// A real proxy on a free loopback port in front of a real fake upstream, with its config, state
/// and log in a temp folder. Each test builds its own so tests never share state.
/// </summary>
internal sealed class ProxyFixture : IAsyncDisposable
{
    private ProxyFixture(string folder, FakeUpstreamServer upstream, CcrProxy proxy, string configPath)
    {
        Folder = folder;
        Upstream = upstream;
        Proxy = proxy;
        ConfigPath = configPath;
        Client = new HttpClient { BaseAddress = proxy.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string Folder { get; }

    public FakeUpstreamServer Upstream { get; }

    public CcrProxy Proxy { get; }

    public string ConfigPath { get; }

    public HttpClient Client { get; }

    public string LogFolder => Path.Combine(Folder, "logs");

    /// <summary>
    /// Starts a proxy whose config is <paramref name="configJson"/> with {OPENAI} and {ANTHROPIC} replaced by the fake's base URLs;
    /// <paramref name="time"/> is the engine's clock (a FakeTimeProvider for quota windows), the real one by default.
    /// </summary>
    public static async Task<ProxyFixture> StartAsync(string configJson, Action<FakeUpstreamServer>? script = null, TimeProvider? time = null)
    {
        string folder = Path.Combine(Path.GetTempPath(), "ccr-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        FakeUpstreamServer upstream = FakeUpstreamServer.Start();
        script?.Invoke(upstream);
        string configPath = Path.Combine(folder, "config.json");
        await File.WriteAllTextAsync(configPath, Expand(configJson, upstream));
        CcrProxy proxy = CcrProxy.Start(new CcrProxyOptions
        {
            ConfigPath = configPath,
            Port = 0,
            StateFolder = Path.Combine(folder, "state"),
            LogFolder = Path.Combine(folder, "logs"),
            Time = time,
        });
        return new ProxyFixture(folder, upstream, proxy, configPath);
    }

    public static string Expand(string configJson, FakeUpstreamServer upstream) =>
        configJson.Replace("{OPENAI}", upstream.OpenAIBaseUrl, StringComparison.Ordinal)
                  .Replace("{ANTHROPIC}", upstream.AnthropicBaseUrl, StringComparison.Ordinal);

    public Task<HttpResponseMessage> PostAsync(string path, string json, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        foreach ((string name, string value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return Client.SendAsync(request);
    }

    public async Task<(HttpResponseMessage Response, JsonNode Body)> PostJsonAsync(string path, string json, params (string Name, string Value)[] headers)
    {
        HttpResponseMessage response = await PostAsync(path, json, headers);
        string text = await response.Content.ReadAsStringAsync();
        return (response, JsonNode.Parse(text)!);
    }

    /// <summary>
    /// The log once no request is in flight and it contains every one of <paramref name="expected"/> (for lines not
    /// written by a request, such as a reload warning), or as it is after 5 s more.
    /// </summary>
    public async Task<string> ReadLogAsync(params string[] expected)
    {
        // A request's lines are written just after its client got the answer, so reading right after the last answer
        // could miss them on a slow machine; the request stops counting as in flight only once they are written.
        var idle = System.Diagnostics.Stopwatch.StartNew();
        while (Proxy.RequestsInFlight > 0 && idle.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }

        string log = await ReadLogOnceAsync();
        for (int i = 0; i < 50 && !expected.All(e => log.Contains(e, StringComparison.Ordinal)); i++)
        {
            await Task.Delay(100);
            log = await ReadLogOnceAsync();
        }

        return log;
    }

    private async Task<string> ReadLogOnceAsync()
    {
        await Proxy.Engine.Log.FlushAsync(CancellationToken.None);
        var all = new StringBuilder();
        if (Directory.Exists(LogFolder))
        {
            foreach (string file in Directory.GetFiles(LogFolder))
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                all.Append(await reader.ReadToEndAsync());
            }
        }

        return all.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Proxy.StopAsync(TimeSpan.FromSeconds(2));
        await Upstream.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static MediaTypeHeaderValue Json { get; } = new("application/json");
}
