using System.Diagnostics;
using FakeUpstream;
using static Ccr.Core.Tests.FakeUpstreamTests.UpstreamClient;

namespace Ccr.Core.Tests.FakeUpstreamTests;

/// <summary>The server carries many concurrent streams, and runs as an executable for Pester and the benchmarks.</summary>
public sealed class FakeUpstreamLoadTests
{
    [Fact]
    public async Task ConcurrentStreams_AllComplete()
    {
        await using FakeUpstreamServer server = FakeUpstreamServer.Start();
        server.ScriptDefault(FakeReply.Stream(10, TimeSpan.FromMilliseconds(20)));
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1000 };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };

        Task<(HttpResponseMessage Response, string Body)>[] streams = Enumerable.Range(0, 200)
            .Select(i => SendAsync(client, server, i % 2 == 0, "m", stream: true))
            .ToArray();
        (HttpResponseMessage Response, string Body)[] results = await Task.WhenAll(streams);

        Assert.All(results, r =>
        {
            Assert.Equal(200, (int)r.Response.StatusCode);
            Assert.Equal(string.Concat(Enumerable.Repeat("tok ", 10)), StreamedText(ParseSse(r.Body)));
        });
        Assert.Equal(200, server.CountFor("m"));
    }

    [Fact]
    public async Task Executable_PrintsListeningServesAndExitsOnStdinEof()
    {
        string dll = typeof(FakeUpstreamServer).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--mode");
        start.ArgumentList.Add("bench");
        start.ArgumentList.Add("--chunks");
        start.ArgumentList.Add("3");
        using Process process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.NotNull(line);
            Assert.Matches(@"^listening http://127\.0\.0\.1:\d+/$", line);
            string baseUrl = line["listening ".Length..];
            using HttpClient client = NewClient();

            string body = await client.GetStringAsync(new Uri(baseUrl + "health"), timeout.Token);
            using var content = new StringContent("{\"model\":\"x\",\"stream\":true}");
            using HttpResponseMessage response = await client.PostAsync(new Uri(baseUrl + "v1/chat/completions"), content, timeout.Token);
            string streamed = await response.Content.ReadAsStringAsync(timeout.Token);

            Assert.Contains("ok", body, StringComparison.Ordinal);
            Assert.Equal("tok tok tok ", StreamedText(ParseSse(streamed)));

            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }
}
