using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Ccr.Core.Server;
using Ccr.Core.Tests.Reliability;
using Ccr.Core.Tests.Server;
using Ccr.Core.Tests.TestSupport;
using FakeUpstream;
using Xunit.Abstractions;

namespace Ccr.Core.Tests.Persistence;

/// <summary>
/// Two proxies in two processes (this one and a ReliabilityHelper child, each with its own state folder, as two machines
/// have) sharing one real redis-server in front of one fake upstream: counts add up, a quota error seen by one takes the
/// provider out on the other, and a Redis outage loses no request and reconciles to exact totals.
/// </summary>
public class SharedStateFlowTests(ITestOutputHelper output)
{
    // {REDIS} is the redis_url.
    private const string Config = """
        {
          "Providers": [
            { "name": "plan", "api_base_url": "{OPENAI}", "api_key": "sk-test-plan-key-1234", "models": ["plan-model"], "tier_name": "ccr-plan",
              "quota": { "five_hour": 100000 } },
            { "name": "backup", "api_base_url": "{OPENAI}", "api_key": "sk-test-backup-5678", "models": ["backup-model"], "tier_name": "ccr-backup" }
          ],
          "Router": { "default": "plan,plan-model", "tiers": ["plan,plan-model", "backup,backup-model"] },
          "Persistence": { "mode": "redis", "redis_url": "{REDIS}", "redis_prefix": "ccr-test:" },
          "API_TIMEOUT_MS": 5000
        }
        """;

    private const string Ask = """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""";

    // Generous: only turns a hang into a failure; every wait below ends as soon as the state it waits for is seen.
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [RedisFact]
    public async Task TwoProxies_CountsAddUpToWhatTheUpstreamSaw()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using Pair pair = await Pair.StartAsync(redis.Url, u => u.ScriptDefault(FakeReply.Text("ok", inputTokens: 10, outputTokens: 2)));

        await AskManyAsync(pair.A, 7);
        await AskManyAsync(pair.B, 5);
        Assert.Equal(12, pair.Upstream.CountFor("plan-model"));

        // Both proxies come to see every machine's requests, in the quota window and in the usage report.
        await WaitForAsync(pair.A, body => PlanRequests(body) == 12 && PlanFiveHourUsed(body) == 12);
        await WaitForAsync(pair.B, body => PlanRequests(body) == 12 && PlanFiveHourUsed(body) == 12);
    }

    [RedisFact]
    public async Task QuotaErrorSeenByOne_TakesTheProviderOutOnTheOther()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using Pair pair = await Pair.StartAsync(redis.Url, u =>
        {
            u.Script("plan-model", FakeReply.QuotaExceeded(), FakeReply.Text("plan again"));
            u.Script("backup-model", FakeReply.Text("from backup"));
        });

        await AskExpectingAsync(pair.A, "from backup");
        var seen = Stopwatch.StartNew();
        JsonNode tier = await WaitForTierAsync(pair.B, t => (string?)t["state"] == "QuotaExhausted");
        output.WriteLine("B saw the quota mark " + seen.ElapsedMilliseconds + " ms after A's answer: " + tier.ToJsonString());

        // B never asked the plan provider: what took it out is the mark A published, read back by B's refresher.
        Assert.Equal(1, pair.Upstream.CountFor("plan-model"));
        await AskExpectingAsync(pair.B, "from backup");
        Assert.Equal(1, pair.Upstream.CountFor("plan-model"));
    }

    [RedisFact]
    public async Task RateLimitSeenByOne_CoolsTheTierOnTheOther()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using Pair pair = await Pair.StartAsync(redis.Url, u =>
        {
            u.Script("plan-model", FakeReply.RateLimited(retryAfterSeconds: 600), FakeReply.Text("plan again"));
            u.Script("backup-model", FakeReply.Text("from backup"));
        });

        await AskExpectingAsync(pair.A, "from backup");
        JsonNode tier = await WaitForTierAsync(pair.B, t => (string?)t["state"] == "CoolingDown");
        output.WriteLine("B's tier: " + tier.ToJsonString());

        await AskExpectingAsync(pair.B, "from backup");
        Assert.Equal(1, pair.Upstream.CountFor("plan-model"));
    }

    [RedisFact]
    public async Task RedisKilledMidRun_LosesNoRequest_AndCountsReconcileAfterItsRestart()
    {
        await using RedisServer redis = await RedisServer.StartAsync(durable: true);
        await using Pair pair = await Pair.StartAsync(redis.Url, u => u.ScriptDefault(FakeReply.Text("ok")));

        await AskManyAsync(pair.A, 3);
        await AskManyAsync(pair.B, 2);
        await WaitForAsync(pair.A, body => PlanRequests(body) == 5);

        await redis.KillAsync();
        await WaitForHealthAsync(pair.A, "redis (unreachable since");
        await WaitForHealthAsync(pair.B, "redis (unreachable since");

        // Every request is answered while Redis is away.
        await AskManyAsync(pair.A, 4);
        await AskManyAsync(pair.B, 6);

        await redis.RestartAsync();
        await WaitForHealthAsync(pair.A, "redis (connected");
        await WaitForHealthAsync(pair.B, "redis (connected");

        // Exactly what the upstream saw: the held counts went once, none twice.
        Assert.Equal(15, pair.Upstream.CountFor("plan-model"));
        await WaitForAsync(pair.A, body => PlanRequests(body) == 15 && PlanFiveHourUsed(body) == 15);
        await WaitForAsync(pair.B, body => PlanRequests(body) == 15 && PlanFiveHourUsed(body) == 15);
        output.WriteLine("Redis after reconcile: " + await redis.CommandAsync("KEYS", "ccr-test:quota:*:min:*"));
    }

    [RedisFact]
    public async Task RefusedAuth_IsAClearDiagnostic_AndRoutingGoesOnLocally()
    {
        await using RedisServer redis = await RedisServer.StartAsync(password: "right-password-42");
        string url = "redis://:wrong-password@127.0.0.1:" + redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/0";
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config.Replace("{REDIS}", url, StringComparison.Ordinal), u => u.ScriptDefault(FakeReply.Text("ok")));

        string persistence = await WaitForHealthAsync(f, "refused the credentials (AUTH)");
        Assert.Contains("using local", persistence, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", persistence, StringComparison.Ordinal);
        await AskExpectingAsync(f, "ok");
    }

    [RedisFact]
    public async Task PasswordFromAVariable_Connects()
    {
        await using RedisServer redis = await RedisServer.StartAsync(password: "pass-from-env-77");
        string variable = "CCR_TEST_REDIS_PASSWORD_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, "pass-from-env-77");
        try
        {
            string url = "redis://:${" + variable + "}@127.0.0.1:" + redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/0";
            await using ProxyFixture f = await ProxyFixture.StartAsync(Config.Replace("{REDIS}", url, StringComparison.Ordinal), u => u.ScriptDefault(FakeReply.Text("ok")));
            string persistence = await WaitForHealthAsync(f, "redis (connected");
            Assert.DoesNotContain("pass-from-env-77", persistence, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [RedisFact]
    public async Task AReloadThatAddsPersistence_SharesThroughRedis_WithoutARestart()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string local = Config.Replace("""  "Persistence": { "mode": "redis", "redis_url": "{REDIS}", "redis_prefix": "ccr-test:" },""", "", StringComparison.Ordinal);
        Assert.DoesNotContain("Persistence", local, StringComparison.Ordinal);
        await using ProxyFixture f = await ProxyFixture.StartAsync(local, u => u.ScriptDefault(FakeReply.Text("ok")));
        await WaitForHealthAsync(f, "local");

        await File.WriteAllTextAsync(f.ConfigPath, ProxyFixture.Expand(Config.Replace("{REDIS}", redis.Url, StringComparison.Ordinal), f.Upstream));
        await WaitForHealthAsync(f, "redis (connected");
        await AskExpectingAsync(f, "ok");
        await WaitForAsync(new Target(f.Client), body => PlanRequests(body) == 1);
        string hours = "";
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_bound && !hours.Contains(":1", StringComparison.Ordinal))
        {
            hours = await redis.CommandAsync("SCARD", "ccr-test:usage:hours");
            await Task.Delay(50);
        }

        Assert.Contains(":1", hours, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableRedis_NeverHoldsARequest()
    {
        // A port nothing listens on: the proxy answers at once and says it routes locally.
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config.Replace("{REDIS}", "redis://127.0.0.1:1/0", StringComparison.Ordinal), u => u.ScriptDefault(FakeReply.Text("ok")));
        await AskExpectingAsync(f, "ok");
        await WaitForHealthAsync(f, "redis (unreachable since");
        await AskExpectingAsync(f, "ok");
    }

    [RedisFact]
    public async Task ABatchRedisRefuses_IsDroppedWithAWarning_AndLaterBatchesStillGo()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using ProxyFixture f = await ProxyFixture.StartAsync(Config.Replace("{REDIS}", redis.Url, StringComparison.Ordinal), u => u.ScriptDefault(FakeReply.Text("ok")));
        await WaitForHealthAsync(f, "redis (connected");

        // Out of memory with no eviction: Redis still reads, and refuses every write.
        await redis.CommandAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        await redis.CommandAsync("CONFIG", "SET", "maxmemory", "1");
        await AskExpectingAsync(f, "ok");
        string log = await f.ReadLogAsync("refused a batch of counts");
        Assert.Contains("refused a batch of counts", log, StringComparison.Ordinal);

        await redis.CommandAsync("CONFIG", "SET", "maxmemory", "0");
        await AskExpectingAsync(f, "ok");
        await WaitForAsync(new Target(f.Client), body => PlanRequests(body) == 2);
        var clock = Stopwatch.StartNew();
        string count = "";
        while (clock.Elapsed < s_bound && !count.Contains(":1", StringComparison.Ordinal))
        {
            count = await redis.CommandAsync("SCARD", "ccr-test:usage:hours");
            await Task.Delay(50);
        }

        Assert.Contains(":1", count, StringComparison.Ordinal);
        Assert.Contains("redis (connected", (string?)JsonNode.Parse(await f.Client.GetStringAsync("/health"))!["persistence"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisThatNeverAnswers_NeverHoldsARequest()
    {
        // A server that takes the connection and then says nothing: the client's handshake waits, requests must not.
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<System.Net.Sockets.Socket>();
        Task accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    System.Net.Sockets.Socket socket = await silent.AcceptSocketAsync();
                    lock (held)
                    {
                        held.Add(socket);
                    }
                }
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        });

        string url = "redis://127.0.0.1:" + ((IPEndPoint)silent.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/0";
        await using (ProxyFixture f = await ProxyFixture.StartAsync(Config.Replace("{REDIS}", url, StringComparison.Ordinal), u => u.ScriptDefault(FakeReply.Text("ok"))))
        {
            await AskExpectingAsync(f, "ok");
            await WaitForHealthAsync(f, "redis (unreachable since");
            await AskExpectingAsync(f, "ok");
        }

        silent.Stop();
        await accepting;
        lock (held)
        {
            foreach (System.Net.Sockets.Socket socket in held)
            {
                socket.Dispose();
            }
        }
    }

    private static async Task AskManyAsync(Target target, int count)
    {
        for (int i = 0; i < count; i++)
        {
            await AskExpectingAsync(target, null);
        }
    }

    private static async Task AskExpectingAsync(Target target, string? text)
    {
        using var content = new StringContent(Ask, System.Text.Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await target.Client.PostAsync("/v1/messages", content);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, "HTTP " + (int)response.StatusCode + ": " + body);
        if (text is not null)
        {
            Assert.Equal(text, (string?)JsonNode.Parse(body)!["content"]![0]!["text"]);
        }
    }

    private static Task AskExpectingAsync(ProxyFixture f, string text) => AskExpectingAsync(new Target(f.Client), text);

    private static long PlanRequests(JsonNode usage)
    {
        foreach (JsonNode? row in usage["rows"]!.AsArray())
        {
            if ((string?)row!["provider"] == "plan")
            {
                return (long)row["requests"]!;
            }
        }

        return 0;
    }

    private static long PlanFiveHourUsed(JsonNode usage)
    {
        foreach (JsonNode? window in usage["quota"]!.AsArray())
        {
            if ((string?)window!["provider"] == "plan" && (string?)window["window"] == "FiveHour")
            {
                return (long)window["used"]!;
            }
        }

        return -1;
    }

    private async Task WaitForAsync(Target target, Func<JsonNode, bool> done)
    {
        var clock = Stopwatch.StartNew();
        JsonNode? last = null;
        while (clock.Elapsed < s_bound)
        {
            last = JsonNode.Parse(await target.Client.GetStringAsync("/ccr/usage?by=provider"))!;
            if (done(last))
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("The usage report never showed the expected counts; last: " + last?.ToJsonString());
    }

    private static async Task<JsonNode> WaitForTierAsync(Target target, Func<JsonNode, bool> done)
    {
        var clock = Stopwatch.StartNew();
        string last = "";
        while (clock.Elapsed < s_bound)
        {
            last = await target.Client.GetStringAsync("/ccr/tiers");
            JsonNode tier = JsonNode.Parse(last)!["tiers"]![0]!;
            if (done(tier))
            {
                return tier;
            }

            await Task.Delay(20);
        }

        Assert.Fail("The tier never reached the expected state; last: " + last);
        return null!;
    }

    private static Task<string> WaitForHealthAsync(ProxyFixture f, string expected) => WaitForHealthAsync(new Target(f.Client), expected);

    private static async Task<string> WaitForHealthAsync(Target target, string expected)
    {
        var clock = Stopwatch.StartNew();
        string last = "";
        while (clock.Elapsed < s_bound)
        {
            last = (string?)JsonNode.Parse(await target.Client.GetStringAsync("/health"))!["persistence"] ?? "";
            if (last.Contains(expected, StringComparison.Ordinal))
            {
                return last;
            }

            await Task.Delay(50);
        }

        Assert.Fail("/health never said '" + expected + "'; last: " + last);
        return last;
    }

    private sealed record Target(HttpClient Client);

    /// <summary>Proxy A in this process, proxy B in a child process, each with its own state folder, one upstream, one Redis.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private readonly ProxyFixture _a;
        private readonly Process _bProcess;
        private readonly string _bFolder;

        private Pair(ProxyFixture a, Process bProcess, string bFolder, HttpClient bClient)
        {
            _a = a;
            _bProcess = bProcess;
            _bFolder = bFolder;
            A = new Target(a.Client);
            B = new Target(bClient);
        }

        public Target A { get; }

        public Target B { get; }

        public FakeUpstreamServer Upstream => _a.Upstream;

        public static async Task<Pair> StartAsync(string redisUrl, Action<FakeUpstreamServer> script)
        {
            string config = Config.Replace("{REDIS}", redisUrl, StringComparison.Ordinal);
            ProxyFixture a = await ProxyFixture.StartAsync(config, script);
            string bFolder = Path.Combine(Path.GetTempPath(), "ccr-test-b-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(bFolder);
            string bConfig = Path.Combine(bFolder, "config.json");
            await File.WriteAllTextAsync(bConfig, ProxyFixture.Expand(config, a.Upstream));

            Process b = DataSafetyTests.StartHelper("proxy", bConfig, bFolder, redirectInput: true);
            string? line;
            while ((line = await b.StandardOutput.ReadLineAsync().WaitAsync(s_bound)) is not null && !line.StartsWith("ready ", StringComparison.Ordinal))
            {
            }

            if (line is null)
            {
                string error = await b.StandardError.ReadToEndAsync();
                throw new InvalidOperationException("The second proxy did not start: " + error);
            }

            int port = int.Parse(line["ready ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var client = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture)), Timeout = s_bound };
            return new Pair(a, b, bFolder, client);
        }

        public async ValueTask DisposeAsync()
        {
            B.Client.Dispose();

            // Closing its standard input is how the child is told to stop (the same on every OS).
            _bProcess.StandardInput.Close();
            using (var cts = new CancellationTokenSource(s_bound))
            {
                try
                {
                    await _bProcess.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    _bProcess.Kill(entireProcessTree: true);
                }
            }

            _bProcess.Dispose();
            await _a.DisposeAsync();
            try
            {
                Directory.Delete(_bFolder, recursive: true);
            }
            catch (IOException)
            {
                // A log file still held on Windows.
            }
        }
    }
}
