using Ccr.Core.Config;
using Ccr.Core.Routing;
using FakeUpstream;

namespace Ccr.Core.Tests.Routing;

/// <summary>A one-token request to one provider, against a fake upstream scripted to fail in each way the user fixes differently.</summary>
public sealed class ProviderPingTests : IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ccr-ping-" + Guid.NewGuid().ToString("N"));
    private readonly FakeUpstreamServer _upstream = FakeUpstreamServer.Start();
    private RouterEngine? _engine;

    [Fact]
    public async Task AnAnswer_IsNoFailure()
    {
        _upstream.Script("m", FakeReply.Text("pong"));

        ProviderPingResult result = await ProviderPing.PingAsync(Engine(), "fake", "m", CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal(ProviderPingFailure.None, result.Failure);
        Assert.Null(result.Error);
    }

    // The enum is internal, so the cases name it by text.
    [Theory]
    [InlineData("auth", nameof(ProviderPingFailure.Auth))]
    [InlineData("quota", nameof(ProviderPingFailure.QuotaExceeded))]
    [InlineData("rate", nameof(ProviderPingFailure.RateLimited))]
    [InlineData("bad-request", nameof(ProviderPingFailure.RequestRefused))]
    [InlineData("server", nameof(ProviderPingFailure.Failed))]
    public async Task EachUpstreamFailure_IsReportedAsItsKind(string scenario, string expected)
    {
        _upstream.Script("m", scenario switch
        {
            "auth" => FakeReply.InvalidApiKey(),
            "quota" => FakeReply.QuotaExceeded(),
            "rate" => FakeReply.RateLimited(retryAfterSeconds: 60),
            "bad-request" => FakeReply.Status(400, """{"error":{"message":"model not found","type":"invalid_request_error"}}"""),
            _ => FakeReply.ServerError(500),
        });

        ProviderPingResult result = await ProviderPing.PingAsync(Engine(), "fake", "m", CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal(Enum.Parse<ProviderPingFailure>(expected), result.Failure);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public async Task ACancelledPing_IsCancelled()
    {
        _upstream.Script("m", FakeReply.Hang());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        ProviderPingResult result = await ProviderPing.PingAsync(Engine(), "fake", "m", cancel.Token);

        Assert.False(result.Succeeded);
        Assert.Equal(ProviderPingFailure.Cancelled, result.Failure);
    }

    public async ValueTask DisposeAsync()
    {
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        await _upstream.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }
    }

    private RouterEngine Engine()
    {
        string json = $$"""
            {
              "Providers": [ { "name": "fake", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-test", "models": ["m"] } ],
              "Router": { "default": "fake,m", "tierRetries": { "tier-0": { "max_retries": 0 } } },
              "LOG": false
            }
            """;
        CcrConfig config = ConfigLoader.LoadFromText(json, null).Config ?? throw new InvalidOperationException("test config did not load");
        _engine = new RouterEngine(config, new RouterEngineOptions { StateFolder = Path.Combine(_folder, "state"), LogFolder = Path.Combine(_folder, "logs") });
        return _engine;
    }
}
