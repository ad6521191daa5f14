using Ccr.Core.Dashboard;
using Ccr.Core.Server;
using Ccr.Core.Tests.Server;

namespace Ccr.Core.Tests.Dashboard;

/// <summary>The dashboard's feed against a real proxy: what it reads, and what it does when the proxy goes and comes back.</summary>
public class DashboardFeedTests
{
    private const string Config = """
        {
          "Providers": [
            { "name": "qwen", "api_base_url": "{OPENAI}", "api_key": "sk-test-qwen-1234", "models": ["m"], "tier_name": "ccr-qwen", "quota": { "five_hour": 100 } }
          ],
          "Router": { "default": "qwen,m", "tiers": ["qwen,m"] },
          "APIKEY": "feed-key"
        }
        """;

    private const string Message = """{"model":"qwen,m","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""";

    [Fact]
    public async Task Feed_ReadsTiersLiveFiguresAndQuota_KeepsThemWhileTheProxyIsGone_AndResumesWhenItAnswersAgain()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config);
        using HttpResponseMessage answer = await f.PostAsync("/v1/messages", Message, ("x-api-key", "feed-key"));
        int port = f.Proxy.Port;
        var feed = new DashboardFeed(new ProxyControlClient(port, "feed-key"));

        DashboardSnapshot first = await feed.ReadAsync(CancellationToken.None);

        Assert.Null(first.Problem);
        Assert.Equal(port, first.Health!.Port);
        TierStatus tier = Assert.Single(first.Tiers);
        Assert.Equal(("qwen", 1L), (tier.Provider, tier.Requests));
        Assert.Equal(1, Assert.Single(first.Live!.Tiers).Attempts);
        QuotaRow fiveHour = Assert.Single(first.Quota); // weekly and monthly have no limit here: no bar for them
        Assert.Equal(("FiveHour", 1L, (long?)100), (fiveHour.Window, fiveHour.Used, fiveHour.Limit));

        await f.Proxy.StopAsync(TimeSpan.FromSeconds(2));
        DashboardSnapshot gone = await feed.ReadAsync(CancellationToken.None);

        Assert.Contains("waiting for it to come back", gone.Problem, StringComparison.Ordinal);
        Assert.Null(gone.Health);
        Assert.Equal(1L, Assert.Single(gone.Tiers).Requests);

        CcrProxy again = CcrProxy.Start(new CcrProxyOptions
        {
            ConfigPath = f.ConfigPath,
            Port = port,
            StateFolder = Path.Combine(f.Folder, "state"),
            LogFolder = f.LogFolder,
        });
        try
        {
            DashboardSnapshot back = await feed.ReadAsync(CancellationToken.None);

            Assert.Null(back.Problem);
            Assert.NotNull(back.Health);
            Assert.Equal(0, Assert.Single(back.Live!.Tiers).Attempts); // a new proxy, its own figures
        }
        finally
        {
            await again.StopAsync(TimeSpan.FromSeconds(2));
        }
    }

    [Fact]
    public async Task Feed_WithTheWrongKey_SaysTheProxyRefusedIt()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config);
        var feed = new DashboardFeed(new ProxyControlClient(f.Proxy.Port, "not-the-key"));

        DashboardSnapshot snapshot = await feed.ReadAsync(CancellationToken.None);

        Assert.Contains("refused the key (401)", snapshot.Problem, StringComparison.Ordinal);
        Assert.NotNull(snapshot.Health);
        Assert.Empty(snapshot.Tiers);
    }
}
