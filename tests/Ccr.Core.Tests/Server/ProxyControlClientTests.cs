using System.Net;
using System.Net.Sockets;
using Ccr.Core.Server;
using FakeUpstream;

namespace Ccr.Core.Tests.Server;

/// <summary>The control client against a real proxy on a free loopback port.</summary>
public class ProxyControlClientTests
{
    private const string ApiKeyConfigMarker = "\"API_TIMEOUT_MS\": 1500";

    [Fact]
    public async Task GetHealth_DescribesTheProxyOnThePort()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig);

        ProxyHealth? health = await new ProxyControlClient(f.Proxy.Port).GetHealthAsync(TimeSpan.FromSeconds(5));

        Assert.NotNull(health);
        Assert.True(health.IsCcr);
        Assert.Equal(f.Proxy.Port, health.Port);
        Assert.Equal(Environment.ProcessId, health.ProcessId);
        Assert.Equal(ProxyMode.Session, health.Mode);
        Assert.Equal(f.ConfigPath, health.ConfigPath);
    }

    [Fact]
    public async Task GetHealth_IsNullWhenNothingListens()
    {
        int port = FreePort();

        ProxyHealth? health = await new ProxyControlClient(port).GetHealthAsync(TimeSpan.FromSeconds(5));

        Assert.Null(health);
    }

    [Fact]
    public async Task GetHealth_IsNullForAServerThatIsNotCcr()
    {
        await using FakeUpstreamServer other = FakeUpstreamServer.Start();
        int port = new Uri(other.OpenAIBaseUrl).Port;

        ProxyHealth? health = await new ProxyControlClient(port).GetHealthAsync(TimeSpan.FromSeconds(5));

        Assert.Null(health);
    }

    [Fact]
    public async Task GetTiers_ReportsLiveStateAfterACooldown()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig, u =>
        {
            u.Script("qwen3-coder-plus", FakeReply.RateLimited(retryAfterSeconds: 120));
            u.Script("backup-model", FakeReply.Text("backup"));
        });
        await f.PostJsonAsync("/v1/messages", """{"model":"qwen,qwen3-coder-plus","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""");

        ControlReply<IReadOnlyList<TierStatus>> reply = await new ProxyControlClient(f.Proxy.Port).GetTiersAsync();

        Assert.NotNull(reply.Value);
        Assert.Equal(200, reply.Status);
        Assert.Equal(2, reply.Value.Count);
        Assert.Equal("qwen", reply.Value[0].Provider);
        Assert.Equal(TierAvailability.CoolingDown, reply.Value[0].State);
        Assert.NotNull(reply.Value[0].Until);
        Assert.Equal(TierAvailability.Ready, reply.Value[1].State);
    }

    [Fact]
    public async Task GetTiers_SendsTheApiKey_AndReportsTheStatusWhenItIsWrong()
    {
        string config = ProxyFlowTests.TwoTierConfig.Replace(ApiKeyConfigMarker, ApiKeyConfigMarker + ", \"APIKEY\": \"local-secret-key\"", StringComparison.Ordinal);
        await using ProxyFixture f = await ProxyFixture.StartAsync(config);

        ControlReply<IReadOnlyList<TierStatus>> right = await new ProxyControlClient(f.Proxy.Port, "local-secret-key").GetTiersAsync();
        ControlReply<IReadOnlyList<TierStatus>> wrong = await new ProxyControlClient(f.Proxy.Port, "not-the-key").GetTiersAsync();

        Assert.NotNull(right.Value);
        Assert.Null(wrong.Value);
        Assert.Equal(401, wrong.Status);
        Assert.Null(wrong.Error);
    }

    [Fact]
    public async Task GetTiers_ReportsWhyWhenNothingListens()
    {
        ControlReply<IReadOnlyList<TierStatus>> reply = await new ProxyControlClient(FreePort()).GetTiersAsync();

        Assert.Null(reply.Value);
        Assert.Equal(0, reply.Status);
        Assert.False(string.IsNullOrEmpty(reply.Error));
    }

    [Fact]
    public async Task StopAndWait_StopsTheProxy_AndReturnsOnceThePortIsQuiet()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig);
        var client = new ProxyControlClient(f.Proxy.Port, stateFolder: Path.Combine(f.Folder, "state"));

        ProxyStopOutcome outcome = await client.StopAndWaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(ProxyStopOutcome.Stopped, outcome);
        Assert.False(f.Proxy.IsRunning);
        Assert.Null(await client.GetHealthAsync(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task StopAndWait_WithAWrongControlToken_IsRefused_AndTheProxyKeepsServing()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig);
        string otherState = Path.Combine(f.Folder, "other-state");
        ControlFile.Write(otherState, f.Proxy.Port, ControlFile.NewToken());
        var client = new ProxyControlClient(f.Proxy.Port, stateFolder: otherState);

        ProxyStopOutcome outcome = await client.StopAndWaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(ProxyStopOutcome.Refused, outcome);
        Assert.True(f.Proxy.IsRunning);
        Assert.NotNull(await client.GetHealthAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task StopAndWait_WithoutAControlToken_IsRefused()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig);
        var client = new ProxyControlClient(f.Proxy.Port, stateFolder: Path.Combine(f.Folder, "no-state-here"));

        ProxyStopOutcome outcome = await client.StopAndWaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(ProxyStopOutcome.Refused, outcome);
        Assert.True(f.Proxy.IsRunning);
    }

    [Fact]
    public void StopWaitLimit_CoversTheProxysOwnDrainPlusSlack()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), ProxyControlClient.StopWaitLimit(TimeSpan.FromSeconds(2)));
        Assert.Equal(TimeSpan.FromSeconds(65), ProxyControlClient.StopWaitLimit(TimeSpan.FromSeconds(60)));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
