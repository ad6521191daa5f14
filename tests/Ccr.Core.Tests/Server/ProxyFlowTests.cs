using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Ccr.Core.Config;
using Ccr.Core.Server;
using FakeUpstream;

namespace Ccr.Core.Tests.Server;

/// <summary>The proxy end to end over HTTP: the seed's curl requests, fallback, cooldown, quotas, auth, limits.</summary>
public class ProxyFlowTests
{
    internal const string TwoTierConfig = """
        {
          // The seed's Qwen provider, pointed at the fake upstream.
          "Providers": [
            {
              "name": "qwen",
              "api_base_url": "{OPENAI}",
              "api_key": "sk-sp-test-key-qwen-1234",
              "models": ["qwen3-coder-plus", "qwen3-max-2026-01-23"],
              "transformer": { "use": ["anthropic"] },
              "tier_name": "ccr-qwen"
            },
            {
              "name": "backup",
              "api_base_url": "{OPENAI}",
              "api_key": "sk-backup-key-5678",
              "models": ["backup-model"],
              "tier_name": "ccr-backup"
            },
          ],
          "Router": {
            "default": "qwen,qwen3-coder-plus",
            "tiers": [
              "qwen,qwen3-coder-plus", // tier 0
              "backup,backup-model"    // tier 1
            ],
            "tierRetries": { "tier-0": { "max_retries": 1, "base_backoff_ms": 10 } }
          },
          "Presets": {
            "coding_qwen": { "route": "qwen,qwen3-coder-plus", "temperature": 0.7 },
            "reasoning_qwen": { "route": "qwen,qwen3-max-2026-01-23" }
          },
          "API_TIMEOUT_MS": 1500
        }
        """;

    private const string SeedVerifyBody = """{"model":"qwen,qwen3-coder-plus","max_tokens":50,"messages":[{"role":"user","content":"Hello"}]}""";

    [Fact]
    public async Task SeedVerifyCommand_ExplicitRoute_ReachesQwenAndAnswersInAnthropicShape()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig, u => u.Script("qwen3-coder-plus", FakeReply.Text("Hi from Qwen")));

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("message", (string?)body["type"]);
        Assert.Equal("assistant", (string?)body["role"]);
        Assert.Equal("qwen,qwen3-coder-plus", (string?)body["model"]);
        Assert.Equal("Hi from Qwen", (string?)body["content"]![0]!["text"]);
        Assert.Equal("end_turn", (string?)body["stop_reason"]);
        Assert.True(response.Headers.Contains("request-id"));

        RecordedRequest upstream = Assert.Single(f.Upstream.Requests);
        Assert.EndsWith("/chat/completions", upstream.Path, StringComparison.Ordinal);
        Assert.Equal("qwen3-coder-plus", upstream.Model);
        Assert.Equal("Bearer sk-sp-test-key-qwen-1234", upstream.Headers["Authorization"]);
        JsonNode sent = JsonNode.Parse(upstream.Body)!;
        Assert.Equal(50, (int)sent["max_tokens"]!);
        Assert.Equal("Hello", (string?)sent["messages"]![0]!["content"] ?? (string?)sent["messages"]![0]!["content"]![0]!["text"]);
    }

    [Fact]
    public async Task SeedPresetRequest_WithOnlyMessages_AppliesPresetRouteAndTemperature()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig);

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync(
            "/preset/coding_qwen/v1/messages",
            """{"messages":[{"role":"user","content":"Refactor this function..."}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("qwen,qwen3-coder-plus", (string?)body["model"]);
        JsonNode sent = JsonNode.Parse(Assert.Single(f.Upstream.Requests).Body)!;
        Assert.Equal("qwen3-coder-plus", (string?)sent["model"]);
        Assert.Equal(0.7, (double)sent["temperature"]!, 3);
    }

    [Fact]
    public async Task UnknownPreset_Is404WithTheDefinedPresetsNamed()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig);

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/preset/nope/v1/messages", """{"messages":[{"role":"user","content":"x"}]}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("error", (string?)body["type"]);
        Assert.Equal("not_found_error", (string?)body["error"]!["type"]);
        Assert.Contains("coding_qwen", (string?)body["error"]!["message"], StringComparison.Ordinal);
        Assert.Empty(f.Upstream.Requests);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Tier0ServerError_FallsToTier1_ClientSeesOneCleanAnswer(int status)
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig, u =>
        {
            u.Script("qwen3-coder-plus", FakeReply.ServerError(status));
            u.Script("backup-model", FakeReply.Text("from backup"));
        });

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("from backup", (string?)body["content"]![0]!["text"]);
        Assert.Equal("backup,backup-model", (string?)body["model"]);
        Assert.Equal(2, f.Upstream.CountFor("qwen3-coder-plus")); // 1 try + 1 retry from tierRetries
        Assert.Equal(1, f.Upstream.CountFor("backup-model"));
        string log = await f.ReadLogAsync("\"tier_name\":\"ccr-qwen\"", "\"tier_name\":\"ccr-backup\"");
        Assert.Contains("\"tier_name\":\"ccr-qwen\"", log, StringComparison.Ordinal);
        Assert.Contains("\"tier_name\":\"ccr-backup\"", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tier0Timeout_FallsToTier1()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig, u =>
        {
            u.Script("qwen3-coder-plus", FakeReply.Hang());
            u.Script("backup-model", FakeReply.Text("from backup"));
        });

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("from backup", (string?)body["content"]![0]!["text"]);
    }

    [Fact]
    public async Task RateLimitWithRetryAfter_CoolsTheTierDownForThatLong()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig, u =>
        {
            u.Script("qwen3-coder-plus", FakeReply.RateLimited(retryAfterSeconds: 60), FakeReply.Text("qwen again"));
            u.Script("backup-model", FakeReply.Text("from backup"));
        });

        (HttpResponseMessage first, JsonNode firstBody) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);
        (HttpResponseMessage second, JsonNode secondBody) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("from backup", (string?)firstBody["content"]![0]!["text"]);
        Assert.Equal("from backup", (string?)secondBody["content"]![0]!["text"]);
        Assert.Equal(1, f.Upstream.CountFor("qwen3-coder-plus")); // the second request skipped the cooling tier
        Assert.Contains("skipped:cooldown", await f.ReadLogAsync("skipped:cooldown"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryTierCoolingDown_IsA429WithRetryAfter()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig, u => u.ScriptDefault(FakeReply.RateLimited(retryAfterSeconds: 90)));

        (HttpResponseMessage first, _) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);
        (HttpResponseMessage second, JsonNode body) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);

        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("rate_limit_error", (string?)body["error"]!["type"]);
        int retryAfter = int.Parse(second.Headers.GetValues("retry-after").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 80, 90);
        Assert.Equal(1, f.Upstream.CountFor("qwen3-coder-plus"));
        Assert.Equal(1, f.Upstream.CountFor("backup-model"));
    }

    [Fact]
    public async Task ExhaustedLocalQuota_SkipsTheTier()
    {
        string config = TwoTierConfig.Replace("\"tier_name\": \"ccr-qwen\"", "\"tier_name\": \"ccr-qwen\", \"quota\": { \"five_hour\": 1 }", StringComparison.Ordinal);
        await using ProxyFixture f = await ProxyFixture.StartAsync(config, u =>
        {
            u.Script("qwen3-coder-plus", FakeReply.Text("qwen"));
            u.Script("backup-model", FakeReply.Text("from backup"));
        });

        (_, JsonNode first) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);
        (_, JsonNode second) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);

        Assert.Equal("qwen", (string?)first["content"]![0]!["text"]);
        Assert.Equal("from backup", (string?)second["content"]![0]!["text"]);
        Assert.Equal(1, f.Upstream.CountFor("qwen3-coder-plus"));
        Assert.Contains("skipped:quota", await f.ReadLogAsync("skipped:quota"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamQuotaExceeded_MarksTheTierExhaustedAndFallsBack()
    {
        string config = TwoTierConfig.Replace("\"tier_name\": \"ccr-qwen\"", "\"tier_name\": \"ccr-qwen\", \"quota\": { \"plan\": \"lite\" }", StringComparison.Ordinal);
        await using ProxyFixture f = await ProxyFixture.StartAsync(config, u =>
        {
            u.Script("qwen3-coder-plus", FakeReply.QuotaExceeded());
            u.Script("backup-model", FakeReply.Text("from backup"));
        });

        (_, JsonNode first) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);
        (_, JsonNode second) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);

        Assert.Equal("from backup", (string?)first["content"]![0]!["text"]);
        Assert.Equal("from backup", (string?)second["content"]![0]!["text"]);
        Assert.Equal(1, f.Upstream.CountFor("qwen3-coder-plus"));
    }

    [Fact]
    public async Task RequestFault400FromUpstream_ReturnsAtOnceWithoutTryingOtherTiers()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig, u =>
            u.Script("qwen3-coder-plus", FakeReply.Status(400, """{"error":{"message":"Range of input length should be [1, 98304]","type":"invalid_request_error","code":"invalid_parameter"}}""")));

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (string?)body["error"]!["type"]);
        Assert.Equal(0, f.Upstream.CountFor("backup-model"));
    }

    [Theory]
    [InlineData("""{"model":"qwen,qwen3-coder-plus","max_tokens":5,"messages":[{"role":"user","content":"\u1234I\ud800"}]}""")]
    [InlineData("""{"model":"qwen,qwen3-coder-plus","max_tokens":5,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"\udc00"}]},{"role":"user","content":"go"}]}""")]
    public async Task LoneSurrogateTheChecksDoNotRead_Is400_AndReachesNoUpstream(string body)
    {
        // Found by the long fuzz run (seed 13704459): the translator refused the string after the up-front checks
        // had passed it, and the refusal surfaced as a 500.
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig, u => u.ScriptDefault(FakeReply.Text("ok")));

        (HttpResponseMessage response, JsonNode answer) = await f.PostJsonAsync("/v1/messages", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (string?)answer["error"]!["type"]);
        Assert.Contains("lone surrogate", (string?)answer["error"]!["message"], StringComparison.Ordinal);
        Assert.Empty(f.Upstream.Requests);
    }

    [Fact]
    public async Task EveryTierDown_GivesOneCleanAnthropicError()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig, u => u.ScriptDefault(FakeReply.ServerError(500)));

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);

        Assert.True((int)response.StatusCode >= 500);
        Assert.Equal("error", (string?)body["type"]);
        Assert.False(string.IsNullOrEmpty((string?)body["error"]!["message"]));
        Assert.DoesNotContain("sk-sp-test-key-qwen-1234", body.ToJsonString(), StringComparison.Ordinal);

        using HttpResponseMessage health = await f.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Streaming_TranslatesOpenAIChunksToAnthropicEvents()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig, u => u.Script("qwen3-coder-plus", FakeReply.Text("streamed answer")));

        using HttpResponseMessage response = await f.PostAsync("/v1/messages",
            """{"model":"qwen,qwen3-coder-plus","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"Hello"}]}""");
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        int start = text.IndexOf("event: message_start", StringComparison.Ordinal);
        int delta = text.IndexOf("event: content_block_delta", StringComparison.Ordinal);
        int stop = text.IndexOf("event: message_stop", StringComparison.Ordinal);
        Assert.True(start >= 0 && delta > start && stop > delta, text);
        Assert.Contains("stream", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamCutMidway_EndsWithAnErrorEvent()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig, u => u.Script("qwen3-coder-plus", FakeReply.CutMidStream(3)));

        using HttpResponseMessage response = await f.PostAsync("/v1/messages",
            """{"model":"qwen,qwen3-coder-plus","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"Hello"}]}""");
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("event: message_start", text, StringComparison.Ordinal);
        Assert.Contains("event: error", text, StringComparison.Ordinal);
        Assert.DoesNotContain("event: message_stop", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnthropicUpstream_IsPassedThroughWithOnlyTheModelRewritten()
    {
        const string config = """
            {
              "Providers": [
                { "name": "plan", "api_base_url": "{ANTHROPIC}", "api_key": "sk-ant-test-9999", "models": ["qwen3-coder-plus"] }
              ],
              "Router": { "default": "plan,qwen3-coder-plus" }
            }
            """;
        await using ProxyFixture f = await ProxyFixture.StartAsync(config, u => u.Script("qwen3-coder-plus", FakeReply.Text("anthropic native")));

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/messages",
            """{"model":"claude-sonnet-4-5","max_tokens":20,"messages":[{"role":"user","content":"Hi"}],"metadata":{"user_id":"u1"}}""",
            ("anthropic-beta", "tools-2024-04-04"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("anthropic native", (string?)body["content"]![0]!["text"]);
        RecordedRequest upstream = Assert.Single(f.Upstream.Requests);
        Assert.EndsWith("/v1/messages", upstream.Path, StringComparison.Ordinal);
        JsonNode sent = JsonNode.Parse(upstream.Body)!;
        Assert.Equal("qwen3-coder-plus", (string?)sent["model"]);
        Assert.Equal("u1", (string?)sent["metadata"]!["user_id"]);
        Assert.Equal("tools-2024-04-04", upstream.Headers["anthropic-beta"]);
        Assert.Equal("2023-06-01", upstream.Headers["anthropic-version"]);
    }

    [Fact]
    public async Task ApiKey_IsRequiredOnEveryEndpointButHealth()
    {
        string config = TwoTierConfig.Replace("\"API_TIMEOUT_MS\": 1500", "\"API_TIMEOUT_MS\": 1500, \"APIKEY\": \"local-secret-key\"", StringComparison.Ordinal);
        await using ProxyFixture f = await ProxyFixture.StartAsync(config);

        using HttpResponseMessage health = await f.Client.GetAsync("/health");
        (HttpResponseMessage none, JsonNode noneBody) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);
        (HttpResponseMessage wrong, _) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody, ("x-api-key", "local-secret-kex"));
        (HttpResponseMessage xApiKey, _) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody, ("x-api-key", "local-secret-key"));
        (HttpResponseMessage bearer, _) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody, ("Authorization", "Bearer local-secret-key"));
        using HttpResponseMessage models = await f.Client.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("authentication_error", (string?)noneBody["error"]!["type"]);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, xApiKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
    }

    [Fact]
    public async Task NonLoopbackHostWithoutApiKey_IsRefused()
    {
        string folder = Path.Combine(Path.GetTempPath(), "ccr-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "config.json");
        await File.WriteAllTextAsync(path, """{ "HOST": "0.0.0.0", "Providers": [], "Router": {} }""");

        ProxyStartException e = Assert.Throws<ProxyStartException>(() => CcrProxy.Start(new CcrProxyOptions
        {
            ConfigPath = path,
            Port = 0,
            StateFolder = Path.Combine(folder, "state"),
            LogFolder = Path.Combine(folder, "logs"),
        }));

        Assert.Equal(ProxyStartFailure.NonLoopbackWithoutApiKey, e.Failure);
        Assert.Contains("APIKEY", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountTokens_CountsTheRequest()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig);

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/messages/count_tokens",
            """{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hello, how many tokens is this sentence?"}]}""");
        (HttpResponseMessage preset, JsonNode presetBody) = await f.PostJsonAsync("/preset/coding_qwen/v1/messages/count_tokens",
            """{"messages":[{"role":"user","content":"Hello, how many tokens is this sentence?"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        int tokens = (int)body["input_tokens"]!;
        Assert.InRange(tokens, 5, 40);
        Assert.Equal(HttpStatusCode.OK, preset.StatusCode);
        Assert.Equal(tokens, (int)presetBody["input_tokens"]!);
        Assert.Empty(f.Upstream.Requests);
    }

    [Fact]
    public async Task HotReload_AppliesToTheNextRequest_AndAnInvalidEditKeepsTheLastGoodConfig()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig, u =>
        {
            u.Script("qwen3-coder-plus", FakeReply.Text("qwen"));
            u.Script("backup-model", FakeReply.Text("from backup"));
        });
        const string claudeBody = """{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}""";
        (_, JsonNode before) = await f.PostJsonAsync("/v1/messages", claudeBody);

        string edited = ProxyFixture.Expand(TwoTierConfig, f.Upstream).Replace("\"default\": \"qwen,qwen3-coder-plus\"", "\"default\": \"backup,backup-model\"", StringComparison.Ordinal);
        var reloaded = new TaskCompletionSource<CcrConfig>(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Proxy.ConfigReloaded += (_, config) => reloaded.TrySetResult(config);
        await File.WriteAllTextAsync(f.ConfigPath, edited);
        CcrConfig applied = await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        (_, JsonNode after) = await f.PostJsonAsync("/v1/messages", claudeBody);

        // A fixed sleep here proved nothing: it passed just as well when the watcher had not looked at the file yet.
        // The refusal is the event that shows the edit was seen and rejected; only then does "still served" mean kept.
        var rejected = new TaskCompletionSource<IReadOnlyList<ConfigDiagnostic>>(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Proxy.ConfigReloadRejected += (_, diagnostics) => rejected.TrySetResult(diagnostics);
        await File.WriteAllTextAsync(f.ConfigPath, "{ this is not json");
        IReadOnlyList<ConfigDiagnostic> refusal = await rejected.Task.WaitAsync(TimeSpan.FromSeconds(30));
        (HttpResponseMessage stillOk, JsonNode stillBody) = await f.PostJsonAsync("/v1/messages", claudeBody);

        Assert.Equal("qwen", (string?)before["content"]![0]!["text"]);
        Assert.Equal(new RouteTarget("backup", "backup-model"), applied.Router.Default);
        Assert.Equal("from backup", (string?)after["content"]![0]!["text"]);
        Assert.NotEmpty(refusal);
        Assert.Contains("config reload refused", await f.ReadLogAsync("config reload refused"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, stillOk.StatusCode);
        Assert.Equal("from backup", (string?)stillBody["content"]![0]!["text"]);
    }

    [Fact]
    public async Task InvalidJson_Is400InvalidRequest_AndUnknownPathIs404()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig);

        (HttpResponseMessage bad, JsonNode badBody) = await f.PostJsonAsync("/v1/messages", "{\"model\": ");
        (HttpResponseMessage wrongShape, JsonNode wrongShapeBody) = await f.PostJsonAsync("/v1/messages", "[1,2,3]");
        using HttpResponseMessage missing = await f.Client.GetAsync("/nope");
        using HttpResponseMessage traversal = await f.Client.PostAsync("/preset/..%2F..%2Fx/v1/messages", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid_request_error", (string?)badBody["error"]!["type"]);
        Assert.Equal(HttpStatusCode.BadRequest, wrongShape.StatusCode);
        Assert.Equal("invalid_request_error", (string?)wrongShapeBody["error"]!["type"]);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, traversal.StatusCode);
        Assert.Empty(f.Upstream.Requests);
    }

    [Fact]
    public async Task RequestsBeyondMaxConcurrentRequests_Get503Overloaded()
    {
        string config = TwoTierConfig.Replace("\"API_TIMEOUT_MS\": 1500", "\"API_TIMEOUT_MS\": 5000, \"MAX_CONCURRENT_REQUESTS\": 1", StringComparison.Ordinal);
        await using ProxyFixture f = await ProxyFixture.StartAsync(config, u => u.Script("qwen3-coder-plus", FakeReply.SlowFirstByte(TimeSpan.FromSeconds(2), FakeReply.Text("slow"))));

        Task<(HttpResponseMessage, JsonNode)> slow = f.PostJsonAsync("/v1/messages", SeedVerifyBody);

        // The slow request holds the only slot once the upstream has it; a fixed 500 ms sleep assumed it got there.
        var admitting = System.Diagnostics.Stopwatch.StartNew();
        while (f.Upstream.CountFor("qwen3-coder-plus") == 0 && admitting.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }

        (HttpResponseMessage shed, JsonNode shedBody) = await f.PostJsonAsync("/v1/messages", SeedVerifyBody);
        (HttpResponseMessage first, _) = await slow;

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
        Assert.Equal("overloaded_error", (string?)shedBody["error"]!["type"]);
        Assert.Equal(1, f.Upstream.CountFor("qwen3-coder-plus"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequestBodies_AreLoggedOnlyWithLogBodies_AndStillRedacted(bool logBodies)
    {
        string config = TwoTierConfig.Replace("\"API_TIMEOUT_MS\": 1500", "\"API_TIMEOUT_MS\": 1500, \"LOG_BODIES\": " + (logBodies ? "true" : "false"), StringComparison.Ordinal);
        await using ProxyFixture f = await ProxyFixture.StartAsync(config);

        await f.PostJsonAsync("/v1/messages", """{"model":"qwen,qwen3-coder-plus","max_tokens":5,"messages":[{"role":"user","content":"secret plan sk-sp-test-key-qwen-1234"}]}""");
        string log = await f.ReadLogAsync("\"event\":\"attempt\"");

        Assert.Equal(logBodies, log.Contains("secret plan", StringComparison.Ordinal));
        Assert.DoesNotContain("sk-sp-test-key-qwen-1234", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413()
    {
        string config = TwoTierConfig.Replace("\"API_TIMEOUT_MS\": 1500", "\"API_TIMEOUT_MS\": 1500, \"MAX_BODY_BYTES\": 1024", StringComparison.Ordinal);
        await using ProxyFixture f = await ProxyFixture.StartAsync(config);
        string big = "{\"model\":\"qwen,qwen3-coder-plus\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 4096) + "\"}]}";

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/messages", big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", (string?)body["error"]!["type"]);
        Assert.Empty(f.Upstream.Requests);
    }

    [Fact]
    public async Task HealthModelsAndMetrics_DescribeTheProxy()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig);
        await f.PostJsonAsync("/v1/messages", SeedVerifyBody);

        JsonNode health = JsonNode.Parse(await f.Client.GetStringAsync("/health"))!;
        JsonNode models = JsonNode.Parse(await f.Client.GetStringAsync("/v1/models"))!;
        string metrics = await f.Client.GetStringAsync("/metrics");

        Assert.Equal("ccr", (string?)health["service"]);
        Assert.Equal(f.Proxy.Port, (int)health["port"]!);
        Assert.Equal(Environment.ProcessId, (int)health["pid"]!);
        Assert.Equal(f.ConfigPath, (string?)health["config_path"]);
        var ids = models["data"]!.AsArray().Select(m => (string?)m!["id"]).ToList();
        Assert.Equal(new[] { "qwen,qwen3-coder-plus", "qwen,qwen3-max-2026-01-23", "backup,backup-model" }, ids);
        Assert.Contains("ccr_requests_total", metrics, StringComparison.Ordinal);
        Assert.Contains("ccr-qwen", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoHundredConcurrentStreams_AllCompleteCorrectly()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(TwoTierConfig, u => u.Script("qwen3-coder-plus", FakeReply.Stream(20, TimeSpan.FromMilliseconds(5), "tok ")));
        const string body = """{"model":"qwen,qwen3-coder-plus","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"Hello"}]}""";
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        string[] results = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using HttpResponseMessage response = await f.PostAsync("/v1/messages", body);
            return await response.Content.ReadAsStringAsync(cts.Token);
        }));

        foreach (string text in results)
        {
            Assert.Contains("event: message_stop", text, StringComparison.Ordinal);
            Assert.Equal(20, CountOccurrences(text, "\"text_delta\""));
        }
    }

    private static int CountOccurrences(string text, string what)
    {
        int count = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    internal static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private const string AnthropicTwoTierConfig = """
        {
          "Providers": [
            { "name": "first", "api_base_url": "{ANTHROPIC}", "api_key": "sk-first-000000", "models": ["first-model"], "tier_name": "ccr-first" },
            { "name": "second", "api_base_url": "{ANTHROPIC}", "api_key": "sk-second-000000", "models": ["second-model"], "tier_name": "ccr-second" }
          ],
          "Router": { "default": "first,first-model", "tiers": ["first,first-model", "second,second-model"] },
          "API_TIMEOUT_MS": 5000
        }
        """;

    // A Coding Plan endpoint, reached through PROXY_URL (the fake on loopback) because the real host is not reachable
    // from a test: the provider keeps its real api_base_url host, which is what its hint and profile are decided by.
    private const string CodingPlanConfig = """
        {
          "Providers": [
            { "name": "qwen", "api_base_url": "http://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "sk-sp-test-key-qwen-1234", "models": ["qwen3-coder-plus"] }
          ],
          "Router": { "default": "qwen,qwen3-coder-plus" },
          "PROXY_URL": "{OPENAI}"
        }
        """;

    private const string CodingPlanKeyError = """{"error":{"code":"InvalidApiKey","message":"Invalid API-key provided: sk-sp-test-key-qwen-1234"}}""";

    [Theory]
    [InlineData("bare CR line ends", "event: error\rdata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"}}\r\r")]
    [InlineData("data split over two lines", "event: error\ndata: {\"type\":\"error\",\ndata: \"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"}}\n\n")]
    public async Task PassthroughStream_FirstEventIsAnError_FallsToTheNextTier(string shape, string firstEvent)
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(AnthropicTwoTierConfig, u =>
        {
            u.Script("first-model", FakeReply.Raw(200, "text/event-stream", firstEvent + "event: ping\ndata: {\"type\":\"ping\"}\n\n"));
            u.Script("second-model", FakeReply.Text("from second"));
        });

        using HttpResponseMessage response = await f.PostAsync("/v1/messages", """{"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"Hi"}]}""");
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("second,second-model", response.Headers.GetValues("x-ccr-route").Single());
        Assert.DoesNotContain("busy", text, StringComparison.Ordinal);
        Assert.Contains("from", text, StringComparison.Ordinal);
        Assert.True(f.Upstream.CountFor("first-model") >= 1, shape);
    }

    [Fact]
    public async Task CodingPlanProvider_KeyErrorInsideA200Body_CarriesTheProviderHintAndNoKey()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(CodingPlanConfig, u => u.ScriptDefault(FakeReply.Raw(200, "application/json", CodingPlanKeyError)));

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/messages", """{"model":"qwen,qwen3-coder-plus","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""");

        AssertCodingPlanKeyError(response, body);
        Assert.Equal("http://coding-intl.dashscope.aliyuncs.com/v1/chat/completions", Assert.Single(f.Upstream.Requests).Path);
    }

    [Fact]
    public async Task CodingPlanProvider_KeyErrorAsTheFirstStreamEvent_CarriesTheProviderHintAndNoKey()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(CodingPlanConfig, u => u.ScriptDefault(FakeReply.Raw(200, "text/event-stream", "data: " + CodingPlanKeyError + "\n\n")));

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/messages", """{"model":"qwen,qwen3-coder-plus","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"Hi"}]}""");

        AssertCodingPlanKeyError(response, body);
    }

    private static void AssertCodingPlanKeyError(HttpResponseMessage response, JsonNode body)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error", (string?)body["error"]!["type"]);
        string message = (string?)body["error"]!["message"] ?? "";

        // Named after the provider, not "upstream"; its own hint; its key removed by the provider's own scrub.
        Assert.True(message.StartsWith("qwen (error inside a 200 answer, InvalidApiKey): Invalid API-key provided: [redacted] Coding Plan", StringComparison.Ordinal), message);
        Assert.Contains("Coding Plan keys start with sk-sp- and work only on coding-intl.dashscope.aliyuncs.com", message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-sp-test-key-qwen-1234", message, StringComparison.Ordinal);
    }
}
