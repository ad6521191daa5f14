using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccr.Core.Server;
using FakeUpstream;

namespace Ccr.Core.Tests.Server;

/// <summary>
/// Sessions attached to one proxy port, as profile lines in several terminals make them: a leaving server hands the
/// port to one of the others, a stop on purpose stays a stop, the last one to leave frees the port. All sessions run
/// in this process here (the Pester handoff test runs them as real pwsh processes); the port and the state folder are
/// what they share, exactly as across processes.
/// </summary>
public class ProxyAttachmentTests
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(100);

    private const string Hello = """{"model":"qwen,qwen3-coder-plus","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""";

    [Fact]
    public async Task ServerLeaves_OneAttachedSessionTakesOverThePort_AndAnswersWithinTwoSeconds()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig, u => u.Script("qwen3-coder-plus", FakeReply.Text("Hi from Qwen")));
        CcrProxyOptions options = SameConfig(f);
        ProxyAttachment first = ProxyAttachment.Attach(options, f.Proxy, s_poll);
        ProxyAttachment second = ProxyAttachment.Attach(options, pollInterval: s_poll);
        ProxyAttachment third = ProxyAttachment.Attach(options, pollInterval: s_poll);
        try
        {
            await first.LeaveAsync(TimeSpan.FromSeconds(2));
            Assert.False(f.Proxy.IsRunning);

            var clock = Stopwatch.StartNew();
            HttpStatusCode status = await PostUntilAnsweredAsync(f.Proxy.Port, Hello, TimeSpan.FromSeconds(2));

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), "answered after " + clock.Elapsed);

            // The winner's proxy accepts as soon as it has bound, a moment before its attachment records it as serving.
            await WaitForAsync(() => second.Serving is not null || third.Serving is not null, TimeSpan.FromSeconds(5));
            Assert.True(second.Serving is null != (third.Serving is null), "exactly one attached session serves");
            CcrProxy successor = second.Serving ?? third.Serving!;
            Assert.Equal(f.Proxy.Port, successor.Port);
            Assert.Equal(f.ConfigPath, successor.ConfigPath);
        }
        finally
        {
            await second.LeaveAsync(TimeSpan.Zero);
            await third.LeaveAsync(TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task ServerLeaves_ARequestInFlightCompletes_WhileTheSuccessorAlreadyServes()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig, u =>
        {
            u.Script("qwen3-max-2026-01-23", FakeReply.SlowFirstByte(TimeSpan.FromMilliseconds(1500), FakeReply.Text("slow answer")));
            u.Script("qwen3-coder-plus", FakeReply.Text("Hi from Qwen"));
        });
        CcrProxyOptions options = SameConfig(f);
        ProxyAttachment leaving = ProxyAttachment.Attach(options, f.Proxy, s_poll);
        ProxyAttachment staying = ProxyAttachment.Attach(options, pollInterval: s_poll);
        try
        {
            Task<(HttpStatusCode Status, string Body)> inFlight = PostAsync(f.Proxy.Port,
                """{"model":"qwen,qwen3-max-2026-01-23","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"Hi"}]}""");
            await WaitForAsync(() => f.Proxy.RequestsInFlight > 0, TimeSpan.FromSeconds(5));

            Task leave = leaving.LeaveAsync(TimeSpan.FromSeconds(4));
            HttpStatusCode fresh = await PostUntilAnsweredAsync(f.Proxy.Port, Hello, TimeSpan.FromSeconds(2));
            (HttpStatusCode status, string body) = await inFlight.WaitAsync(TimeSpan.FromSeconds(10));
            await leave.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(HttpStatusCode.OK, fresh);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains("event: message_stop", body, StringComparison.Ordinal);
            Assert.DoesNotContain("event: error", body, StringComparison.Ordinal);
            Assert.NotNull(staying.Serving);
        }
        finally
        {
            await staying.LeaveAsync(TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task ServerLeaves_AStreamLongerThanTheDrain_EndsWithAnAnthropicErrorEvent_NotADroppedSocket()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig, u =>
            u.Script("qwen3-max-2026-01-23", FakeReply.Stream(200, TimeSpan.FromMilliseconds(50))));
        ProxyAttachment leaving = ProxyAttachment.Attach(SameConfig(f), f.Proxy, s_poll);

        Task<(HttpStatusCode Status, string Body)> inFlight = PostAsync(f.Proxy.Port,
            """{"model":"qwen,qwen3-max-2026-01-23","max_tokens":500,"stream":true,"messages":[{"role":"user","content":"Hi"}]}""");
        await WaitForAsync(() => f.Proxy.RequestsInFlight > 0, TimeSpan.FromSeconds(5));

        // 200 chunks 50 ms apart take 10 s; the drain allows 0.5 s.
        await leaving.LeaveAsync(TimeSpan.FromMilliseconds(500)).WaitAsync(TimeSpan.FromSeconds(10));
        (HttpStatusCode status, string body) = await inFlight.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("tok ", body, StringComparison.Ordinal);
        Assert.Contains("event: error", body, StringComparison.Ordinal);
        Assert.Contains("overloaded_error", body, StringComparison.Ordinal);
        Assert.Contains("proxy_shutdown", body, StringComparison.Ordinal);
        Assert.DoesNotContain("event: message_stop", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShutdownOnPurpose_AttachedSessionsLetItStayStopped()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig);
        CcrProxyOptions options = SameConfig(f);
        ProxyAttachment serving = ProxyAttachment.Attach(options, f.Proxy, s_poll);
        ProxyAttachment other = ProxyAttachment.Attach(options, pollInterval: s_poll);
        try
        {
            await f.Proxy.ShutdownAsync(TimeSpan.FromSeconds(2));

            await other.Completion.WaitAsync(TimeSpan.FromSeconds(5));
            await serving.Completion.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Null(other.Serving);
            Assert.True(PortIsFree(f.Proxy.Port));
        }
        finally
        {
            await other.LeaveAsync(TimeSpan.Zero);
            await serving.LeaveAsync(TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task LastSessionLeaves_TheProxyStopsAndThePortIsFree()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig);
        CcrProxyOptions options = SameConfig(f);
        ProxyAttachment first = ProxyAttachment.Attach(options, f.Proxy, s_poll);
        ProxyAttachment second = ProxyAttachment.Attach(options, pollInterval: s_poll);

        await second.LeaveAsync(TimeSpan.Zero);
        await first.LeaveAsync(TimeSpan.FromSeconds(2));

        Assert.False(f.Proxy.IsRunning);
        Assert.True(PortIsFree(f.Proxy.Port));
    }

    [Fact]
    public async Task AttachedProcessIds_ListsASessionWhileAttached_AndNotAfterItLeft()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig);
        CcrProxyOptions options = SameConfig(f);
        ProxyAttachment attachment = ProxyAttachment.Attach(options, f.Proxy, s_poll);

        IReadOnlyList<int> attached = ProxyAttachment.AttachedProcessIds(f.Proxy.Port, options.StateFolder);
        await attachment.LeaveAsync(TimeSpan.Zero);
        IReadOnlyList<int> afterwards = ProxyAttachment.AttachedProcessIds(f.Proxy.Port, options.StateFolder);

        Assert.Equal(new[] { Environment.ProcessId }, attached);
        Assert.Empty(afterwards);
    }

    [Fact]
    public async Task AttachedProcessIds_RemovesTheFileOfASessionThatDiedWithoutLeaving()
    {
        using var folder = new TestSupport.TempFolder();
        string sessions = Path.Combine(folder.Path, "sessions-4100");
        Directory.CreateDirectory(sessions);
        string stale = Path.Combine(sessions, "999999-deadbeef.session");
        await File.WriteAllTextAsync(stale, "1");

        IReadOnlyList<int> attached = ProxyAttachment.AttachedProcessIds(4100, folder.Path);

        Assert.Empty(attached);
        Assert.False(File.Exists(stale));
    }

    private static CcrProxyOptions SameConfig(ProxyFixture f) => new()
    {
        ConfigPath = f.ConfigPath,
        Port = f.Proxy.Port,
        StateFolder = Path.Combine(f.Folder, "state"),
        LogFolder = f.LogFolder,
    };

    /// <summary>Posts on a new connection each time, as a client that retries a refused connect or a shutting-down 503 does, until answered or out of time.</summary>
    private static async Task<HttpStatusCode> PostUntilAnsweredAsync(int port, string json, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                (HttpStatusCode status, string body) = await PostAsync(port, json);

                // The leaving server answers a request that reached it after it stopped accepting with a 503 saying it
                // is shutting down; Claude Code and the SDKs retry that, as they retry a refused connection.
                if (status != HttpStatusCode.ServiceUnavailable || !body.Contains("shutting down", StringComparison.Ordinal) || clock.Elapsed >= limit)
                {
                    return status;
                }
            }
            catch (HttpRequestException) when (clock.Elapsed < limit)
            {
            }

            await Task.Delay(50);
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(int port, string json)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await client.PostAsync(new Uri("http://127.0.0.1:" + port + "/v1/messages"), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < limit, "condition not met within " + limit);
            await Task.Delay(10);
        }
    }

    private static bool PortIsFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            probe.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
