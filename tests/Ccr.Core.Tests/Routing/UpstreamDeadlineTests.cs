using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Health;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;
using FakeUpstream;
using Microsoft.Extensions.Time.Testing;

namespace Ccr.Core.Tests.Routing;

/// <summary>
/// The connect, first-byte, idle and total deadlines over a real fake upstream: a hung provider costs one deadline and the
/// tier cools down, a slow but live one is not cut, and the client always hears back within the configured bounds. Where a
/// timer decides, the engine runs on fake time and the test moves it; where the kernel or the fake upstream decides, real
/// time with small deadlines and bounds far from them.
/// </summary>
public sealed class UpstreamDeadlineTests : IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ccr-deadline-" + Guid.NewGuid().ToString("N"));
    private readonly FakeUpstreamServer _upstream = FakeUpstreamServer.Start();
    private readonly List<IDisposable> _sockets = new();

    [Fact]
    public async Task HungTier0_FallsThroughToTier1_AfterOneFirstByteDeadline_NotFour()
    {
        _upstream.Script("a", FakeReply.Hang());
        _upstream.Script("b", FakeReply.Text("from b"));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));

        // Tier 0 keeps CCR-Rust's default of 3 retries, which used to mean four waits of API_TIMEOUT_MS.
        await using RouterEngine engine = Engine(Config(apiTimeoutMs: 3000, extra: ", \"FIRST_BYTE_TIMEOUT_MS\": 1000", tier0Retries: "{ \"max_retries\": 3 }"), time);
        var sink = new RecordingSink();

        Task<RouteResult> routing = engine.Router.RouteAsync(Request(), sink, CancellationToken.None);
        await WaitForRequestsAsync("a", 1);
        Assert.False(routing.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1000));
        RouteResult result = await routing.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("b", result.Model);
        Assert.Equal(1, _upstream.CountFor("a"));
        Assert.Contains("from b", sink.Body, StringComparison.Ordinal);
        TierHealthSnapshot tier0 = engine.Health.Snapshot("pa,a");
        Assert.Equal(TierState.CoolingDown, tier0.State);
        Assert.Contains("first_byte_timeout", tier0.LastError, StringComparison.Ordinal);
        Assert.Equal("first_byte_timeout", tier0.CooldownReason);
        string log = await LogAsync(engine);
        Assert.Contains("\"deadline\":\"first_byte_timeout\"", log, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"fallback\"", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestRightAfterATimeout_SkipsTheCoolingTier_UntilTheCooldownEnds()
    {
        _upstream.Script("a", FakeReply.Hang(), FakeReply.Text("from a"));
        _upstream.ScriptDefault(FakeReply.Text("from b"));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
        await using RouterEngine engine = Engine(Config(apiTimeoutMs: 3000, extra: ", \"FIRST_BYTE_TIMEOUT_MS\": 1000"), time);

        Task<RouteResult> first = engine.Router.RouteAsync(Request(), new RecordingSink(), CancellationToken.None);
        await WaitForRequestsAsync("a", 1);
        time.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.Equal("b", (await first.WaitAsync(TimeSpan.FromSeconds(30))).Model);

        RouteResult second = await engine.Router.RouteAsync(Request(), new RecordingSink(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("b", second.Model);
        Assert.Equal(1, _upstream.CountFor("a"));
        Assert.Equal(1, second.Attempts);

        time.Advance(TierHealth.TimeoutCooldown);
        RouteResult third = await engine.Router.RouteAsync(Request(), new RecordingSink(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("a", third.Model);
        Assert.Equal(2, _upstream.CountFor("a"));
        Assert.Contains("skipped:cooldown", await LogAsync(engine), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetryOnTimeout_GivesTheTierOneMoreTry_ThenFallsThrough()
    {
        _upstream.Script("a", FakeReply.Hang());
        _upstream.Script("b", FakeReply.Text("from b"));
        await using RouterEngine engine = Engine(Config(
            apiTimeoutMs: 3000,
            extra: ", \"FIRST_BYTE_TIMEOUT_MS\": 300",
            tier0Retries: "{ \"max_retries\": 3, \"base_backoff_ms\": 1, \"retry_on_timeout\": true }"));

        RouteResult result = await engine.Router.RouteAsync(Request(), new RecordingSink(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("b", result.Model);
        Assert.Equal(2, _upstream.CountFor("a"));
        Assert.Contains("\"outcome\":\"retry\"", await LogAsync(engine), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SlowToStartReasoningAnswer_WithinTheFirstByteDeadline_IsNotCut(bool stream)
    {
        // The answer starts after 1 s, past API_TIMEOUT_MS (300 ms) but well within the first-byte deadline (10 s).
        _upstream.Script("a", FakeReply.SlowFirstByte(TimeSpan.FromSeconds(1), FakeReply.Reasoning("thinking it over", "the answer")));
        _upstream.Script("b", FakeReply.Text("from b"));
        await using RouterEngine engine = Engine(Config(apiTimeoutMs: 300, extra: ", \"FIRST_BYTE_TIMEOUT_MS\": 10000"));
        var sink = new RecordingSink();

        RouteResult result = await engine.Router.RouteAsync(Request(stream), sink, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("a", result.Model);
        Assert.Contains("the", sink.Body, StringComparison.Ordinal);
        Assert.Contains("answer", sink.Body, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.CountFor("b"));
    }

    [Fact]
    public async Task StreamThatGoesSilentAfterItsFirstEvent_EndsWithAnErrorEvent_AtTheIdleDeadline()
    {
        _upstream.Script("a", FakeReply.Stream(4, TimeSpan.FromMinutes(5)));
        await using RouterEngine engine = Engine(Config(apiTimeoutMs: 400, extra: ", \"FIRST_BYTE_TIMEOUT_MS\": 20000"));
        var sink = new RecordingSink();
        var clock = Stopwatch.StartNew();

        RouteResult result = await engine.Router.RouteAsync(Request(stream: true), sink, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        clock.Stop();

        Assert.False(result.Succeeded);
        Assert.Equal(200, sink.Status);
        Assert.Contains("event: message_start", sink.Body, StringComparison.Ordinal);
        Assert.Contains("event: error", sink.Body, StringComparison.Ordinal);
        Assert.Contains("idle_timeout", sink.Body, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.CountFor("b"));

        // Ended by the idle deadline (400 ms), long before the first-byte one (20 s) could have.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(350), "ended after " + clock.Elapsed);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "ended after " + clock.Elapsed);
        Assert.Contains("\"deadline\":\"idle_timeout\"", await LogAsync(engine), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectingToAnAddressThatNeverAnswers_FallsThroughAtTheConnectDeadline()
    {
        int? blackhole = await BlackholePortAsync();
        if (blackhole is not int port)
        {
            // This kernel refuses rather than drops a connection to a full accept queue (Windows does): nothing to emulate.
            return;
        }

        _upstream.Script("b", FakeReply.Text("from b"));
        string config = Config(apiTimeoutMs: 20000, extra: ", \"CONNECT_TIMEOUT_MS\": 300, \"FIRST_BYTE_TIMEOUT_MS\": 20000")
            .Replace("\"api_base_url\": \"" + _upstream.OpenAIBaseUrl + "\", \"api_key\": \"sk-test-a\"",
                "\"api_base_url\": \"http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + "/v1\", \"api_key\": \"sk-test-a\"", StringComparison.Ordinal);
        await using RouterEngine engine = Engine(config);
        var clock = Stopwatch.StartNew();

        RouteResult result = await engine.Router.RouteAsync(Request(), new RecordingSink(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        clock.Stop();

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("b", result.Model);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), "fell through after " + clock.Elapsed);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "fell through after " + clock.Elapsed);
        Assert.Contains("connect_timeout", engine.Health.Snapshot("pa,a").LastError, StringComparison.Ordinal);
        Assert.Contains("\"deadline\":\"connect_timeout\"", await LogAsync(engine), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryTierHung_TheClientGetsAnAnthropicError_WithinTheRequestDeadline(bool stream)
    {
        _upstream.ScriptDefault(FakeReply.Hang());
        await using RouterEngine engine = Engine(Config(apiTimeoutMs: 20000, extra: ", \"FIRST_BYTE_TIMEOUT_MS\": 20000, \"REQUEST_TIMEOUT_MS\": 600"));
        var sink = new RecordingSink();
        var clock = Stopwatch.StartNew();

        RouteResult result = await engine.Router.RouteAsync(Request(stream), sink, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        clock.Stop();

        Assert.False(result.Succeeded);
        Assert.Equal(504, sink.Status);
        Assert.Contains("\"type\":\"error\"", sink.Body, StringComparison.Ordinal);
        Assert.Contains("timeout_error", sink.Body, StringComparison.Ordinal);
        Assert.Contains("request_timeout", sink.Body, StringComparison.Ordinal);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(550), "answered after " + clock.Elapsed);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "answered after " + clock.Elapsed);

        // The request's time ran out, not the tier's: it is not cooled down for it.
        Assert.Equal(TierState.Ready, engine.Health.Snapshot("pa,a").State);
        Assert.Contains("\"deadline\":\"request_timeout\"", await LogAsync(engine), StringComparison.Ordinal);
    }

    [Fact]
    public void Deadlines_DefaultToTheDocumentedValues_AndASmallApiTimeoutCapsTheFirstByte()
    {
        CcrConfig defaults = Load("""{ "Providers": [], "Router": {} }""");
        AttemptTimeouts d = AttemptTimeouts.For(defaults, RetryPolicy.Default);
        Assert.Equal(TimeSpan.FromSeconds(5), d.Connect);
        Assert.Equal(TimeSpan.FromSeconds(120), d.FirstByte);
        Assert.Equal(TimeSpan.FromMinutes(10), d.Idle);
        Assert.Equal(1_800_000, defaults.RequestTimeoutMs);

        AttemptTimeouts small = AttemptTimeouts.For(Load("""{ "API_TIMEOUT_MS": 3000 }"""), RetryPolicy.Default);
        Assert.Equal(TimeSpan.FromSeconds(3), small.FirstByte);
        Assert.Equal(TimeSpan.FromSeconds(3), small.Idle);

        AttemptTimeouts split = AttemptTimeouts.For(Load("""{ "API_TIMEOUT_MS": 3000, "FIRST_BYTE_TIMEOUT_MS": 90000, "CONNECT_TIMEOUT_MS": 2500 }"""), RetryPolicy.Default);
        Assert.Equal(TimeSpan.FromSeconds(90), split.FirstByte);
        Assert.Equal(TimeSpan.FromSeconds(2.5), split.Connect);
    }

    [Fact]
    public void TierRetries_AcceptsCcrRustsStreamTimeoutKeys_PerTier()
    {
        CcrConfig config = Load("""
            {
              "API_TIMEOUT_MS": 600000,
              "Router": { "tierRetries": {
                "tier-0": { "max_retries": 1, "stream_first_event_timeout_ms": 45000, "stream_idle_timeout_ms": 30000, "retry_on_timeout": true },
                "tier-1": { "streamFirstEventTimeoutMs": 15000 }
              } }
            }
            """);

        RetryPolicy tier0 = config.Router.RetryPolicyFor(0, null);
        AttemptTimeouts t0 = AttemptTimeouts.For(config, tier0);
        AttemptTimeouts t1 = AttemptTimeouts.For(config, config.Router.RetryPolicyFor(1, null));
        AttemptTimeouts t2 = AttemptTimeouts.For(config, config.Router.RetryPolicyFor(2, null));

        Assert.True(tier0.RetryOnTimeout);
        Assert.Equal(TimeSpan.FromSeconds(45), t0.FirstByte);
        Assert.Equal(TimeSpan.FromSeconds(30), t0.Idle);
        Assert.Equal(TimeSpan.FromSeconds(15), t1.FirstByte);
        Assert.Equal(TimeSpan.FromMinutes(10), t1.Idle);
        Assert.Equal(TimeSpan.FromSeconds(120), t2.FirstByte);
        Assert.False(config.Router.RetryPolicyFor(1, null).RetryOnTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (IDisposable socket in _sockets)
        {
            socket.Dispose();
        }

        await _upstream.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static CcrConfig Load(string json) =>
        ConfigLoader.LoadFromText(json, null).Config ?? throw new InvalidOperationException("test config did not load");

    /// <summary>
    /// A loopback port whose connections are never accepted nor refused: a listener with a backlog of 0 whose accept queue is
    /// filled and never drained, so Linux drops further SYNs as an unanswered address would. Null where the kernel refuses instead.
    /// </summary>
    private async Task<int?> BlackholePortAsync()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets.Add(listener);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        for (int i = 0; i < 16; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _sockets.Add(filler);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                await filler.ConnectAsync(endPoint, wait.Token);
            }
            catch (OperationCanceledException)
            {
                // This connect got no answer: the queue is full and the port now behaves as a blackhole.
                return endPoint.Port;
            }
            catch (SocketException)
            {
                return null;
            }
        }

        return null;
    }

    private async Task WaitForRequestsAsync(string model, int count)
    {
        var clock = Stopwatch.StartNew();
        while (_upstream.CountFor(model) < count)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the upstream never saw request " + count + " for " + model);
            await Task.Delay(10);
        }
    }

    private async Task<string> LogAsync(RouterEngine engine)
    {
        await engine.Log.DisposeAsync();
        return string.Concat(Directory.GetFiles(Path.Combine(_folder, "logs")).Select(File.ReadAllText));
    }

    private string Config(int apiTimeoutMs, string extra = "", string tier0Retries = "{ \"max_retries\": 0 }") =>
        $$"""
        {
          "Providers": [
            { "name": "pa", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-test-a", "models": ["a"] },
            { "name": "pb", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-test-b", "models": ["b"] },
            { "name": "pc", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-test-c", "models": ["c"] }
          ],
          "Router": { "default": "pa,a", "tiers": ["pa,a", "pb,b", "pc,c"], "tierRetries": { "tier-0": {{tier0Retries}}, "tier-1": { "max_retries": 0 }, "tier-2": { "max_retries": 0 } } },
          "API_TIMEOUT_MS": {{apiTimeoutMs}}{{extra}}
        }
        """;

    private RouterEngine Engine(string json, TimeProvider? time = null) =>
        new(Load(json), new RouterEngineOptions
        {
            Time = time ?? TimeProvider.System,
            StateFolder = Path.Combine(_folder, "state"),
            LogFolder = Path.Combine(_folder, "logs"),
        });

    private static InboundRequest Request(bool stream = false)
    {
        byte[] body = Encoding.UTF8.GetBytes("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":8," + (stream ? "\"stream\":true," : "") + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        return new InboundRequest { Body = body, Facts = RequestFacts.Read(body), RequestId = "req_deadline_test" };
    }
}
