using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Config;

public class ConfigLoaderTests
{
    [Fact]
    public void SeedFullExample_WithComments_LoadsFourTiersInOrder()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, TestLoad.Seed);

        Assert.True(result.Success, TestLoad.Dump(result));
        CcrConfig config = result.Config!;
        Assert.Equal(
            new[] { "zai,glm-5", "qwen,qwen3-coder-plus", "minimax,MiniMax-M2.5", "deepseek,deepseek-reasoner" },
            config.Router.Tiers.Select(t => t.ToString()));
        ProviderConfig qwen = config.FindProvider("qwen")!;
        Assert.Equal("ccr-qwen", qwen.TierName);
        Assert.Equal(WireProtocol.OpenAI, qwen.Protocol);
        Assert.Equal("https://coding-intl.dashscope.aliyuncs.com/v1/chat/completions", qwen.Endpoint.ToString());
        Assert.True(qwen.InteractiveOnly);
        Assert.Equal(new[] { "anthropic" }, qwen.Transformers);
        Assert.Equal(0.7, config.Presets["coding_qwen"].Temperature);
        Assert.Equal(RouteTargetState.UnknownProvider, config.GetRouteState(config.Router.Tiers[0]));
        Assert.Equal(RouteTargetState.Ready, config.GetRouteState(config.Router.Tiers[1]));
        // zai, minimax, deepseek are not defined: warnings (default + 3 tiers), not errors.
        Assert.Equal(4, result.Diagnostics.Count(d => d.Code == "UnknownProvider" && d.Severity == DiagnosticSeverity.Warning));
    }

    [Fact]
    public void EveryKey_IsReadIntoTheModel()
    {
        const string json = """
        {
          // line comment
          /* block comment */
          "Providers": [
            {
              "name": "qwen",
              "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/apps/anthropic",
              "api_key": "sk-sp-abcdefgh1234",
              "models": ["qwen3-coder-plus", "qwen3-max-2026-01-23",],
              "transformer": { "use": ["anthropic", ["maxtoken", { "max_tokens": 65536 }]], "qwen3-coder-plus": { "use": ["enhancetool"] } },
              "tier_name": "ccr-qwen",
              "quota": { "plan": "pro", "weekly": 40000, "renewal_day": 15 },
              "interactive_only": false,
              "headers": { "X-Test": "yes" },
              "honor_rate_limit_headers": false,
              "some_future_key": 1,
            },
            {
              "name": "zai",
              "api_base_url": "https://api.z.ai/api/paas/v4",
              "api_key": "zai-key-123456789",
              "models": ["glm-5"],
              "protocol": "anthropic",
              "quota": { "plan": "lite" }
            },
          ],
          "Router": {
            "default": "qwen,qwen3-coder-plus",
            "background": "zai,glm-5",
            "think": "qwen,qwen3-max-2026-01-23",
            "longContext": "qwen,qwen3-max-2026-01-23",
            "longContextThreshold": 100000,
            "webSearch": "zai,glm-5",
            "image": "",
            "tiers": ["qwen,qwen3-coder-plus", "zai,glm-5"],
            "tierRetries": { "tier-0": { "max_retries": 5, "base_backoff_ms": 250, "backoff_multiplier": 1.5 }, "tier-1": { "max_retries": 0 } },
            "fallback": { "default": ["zai,glm-5"] },
          },
          "Presets": { "p": { "route": "zai,glm-5", "temperature": 0.2, "max_tokens": 1000, "top_p": 0.9, "system": "Be brief." } },
          "APIKEY": "local-secret",
          "HOST": "127.0.0.2",
          "PORT": 4567,
          "LOG": false,
          "LOG_LEVEL": "debug",
          "LOG_BODIES": true,
          "API_TIMEOUT_MS": 1234,
          "PROXY_URL": "http://127.0.0.1:7890",
          "NON_INTERACTIVE_MODE": true,
          "MAX_BODY_BYTES": 1048576,
          "MAX_CONCURRENT_REQUESTS": 7,
        }
        """;
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, json);

        Assert.True(result.Success, TestLoad.Dump(result));
        // This fixture writes its keys literally on purpose; those two secret-hygiene warnings are the only diagnostics.
        Assert.All(result.Diagnostics, d => Assert.Contains(d.Code, new[] { "LiteralApiKey", "ConfigFileReadableByOthers" }));
        CcrConfig c = result.Config!;
        ProviderConfig qwen = c.Providers[0];
        Assert.Equal(WireProtocol.Anthropic, qwen.Protocol);
        Assert.Equal("https://coding-intl.dashscope.aliyuncs.com/apps/anthropic/v1/messages", qwen.Endpoint.ToString());
        Assert.Equal(new[] { "anthropic", "maxtoken" }, qwen.Transformers);
        Assert.Equal(65536, qwen.MaxTokensCap);
        Assert.Equal(new[] { "enhancetool" }, qwen.ModelTransformers["qwen3-coder-plus"]);
        Assert.Equal(6000, qwen.Quota!.FiveHourLimit);
        Assert.Equal(40000, qwen.Quota.WeeklyLimit);
        Assert.Equal(90000, qwen.Quota.MonthlyLimit);
        Assert.Equal(15, qwen.Quota.RenewalDay);
        Assert.False(qwen.InteractiveOnly);
        Assert.False(qwen.HonorRateLimitHeaders);
        Assert.Equal("yes", qwen.Headers["x-test"]);
        Assert.Equal("sk-sp-…1234", qwen.KeyHint);

        ProviderConfig zai = c.Providers[1];
        Assert.Equal(WireProtocol.Anthropic, zai.Protocol);
        Assert.Equal("protocol key", zai.ProtocolReason);
        Assert.Equal("https://api.z.ai/api/paas/v4/v1/messages", zai.Endpoint.ToString());
        Assert.Equal((1200, 9000, 18000), (zai.Quota!.FiveHourLimit, zai.Quota.WeeklyLimit, zai.Quota.MonthlyLimit));
        Assert.False(zai.HonorRateLimitHeaders);

        RouterConfig r = c.Router;
        Assert.Equal("qwen,qwen3-coder-plus", r.Default.ToString());
        Assert.Equal("zai,glm-5", r.Background.ToString());
        Assert.Equal("qwen,qwen3-max-2026-01-23", r.Think.ToString());
        Assert.Equal("qwen,qwen3-max-2026-01-23", r.LongContext.ToString());
        Assert.Equal("zai,glm-5", r.WebSearch.ToString());
        Assert.Equal(100000, r.LongContextThreshold);
        Assert.Equal(2, r.Tiers.Count);
        Assert.Equal(new RetryPolicy(5, 250, 1.5), r.RetryPolicyFor(0, null));
        Assert.Equal(new RetryPolicy(0, 100, 2.0), r.RetryPolicyFor(1, null));
        Assert.Equal("zai,glm-5", r.Fallback["default"][0].ToString());

        PresetConfig p = c.Presets["p"];
        Assert.Equal((0.2, 1000, 0.9, "Be brief."), (p.Temperature!.Value, p.MaxTokens!.Value, p.TopP!.Value, p.System));

        Assert.Equal("local-secret", c.ApiKey);
        Assert.Equal("127.0.0.2", c.Host);
        Assert.Equal(4567, c.Port);
        Assert.False(c.Log);
        Assert.Equal("debug", c.LogLevel);
        Assert.True(c.LogBodies);
        Assert.Equal(1234, c.ApiTimeoutMs);
        Assert.Equal("http://127.0.0.1:7890", c.ProxyUrl);
        Assert.True(c.NonInteractiveMode);
        Assert.Equal(1048576, c.MaxBodyBytes);
        Assert.Equal(7, c.MaxConcurrentRequests);
    }

    [Fact]
    public void LowercaseAndCamelCaseKeys_AreAcceptedAsAliases()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, """
            { "providers": [ { "name": "x", "baseUrl": "https://example.com/v1", "apiKey": "sk-1234567890ab", "models": ["m"] } ],
              "router": { "default": "x,m" } }
            """);
        Assert.True(result.Success, TestLoad.Dump(result));
        Assert.Equal("x,m", result.Config!.Router.Default.ToString());
        Assert.Equal("sk-1234567890ab", result.Config.Providers[0].ApiKey);
    }

    [Fact]
    public void NumbersWrittenAsStrings_LoadWithAWarning()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, """{ "API_TIMEOUT_MS": "600001", "PORT": "3457" }""");
        Assert.True(result.Success, TestLoad.Dump(result));
        Assert.Equal(600001, result.Config!.ApiTimeoutMs);
        Assert.Equal(3457, result.Config.Port);
        ConfigDiagnostic warning = Assert.Single(result.Diagnostics, d => d.JsonPath == "$.API_TIMEOUT_MS");
        Assert.Equal(("NumberAsString", DiagnosticSeverity.Warning, 1, 21), (warning.Code, warning.Severity, warning.Line, warning.Column));
        Assert.Equal(2, result.Config.Warnings.Count);
    }

    [Fact]
    public void SyntaxError_ReportsFileLineAndColumnWithAFix()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, "{\n  // comment\n  \"PORT\": 3456\n  \"HOST\": \"x\"\n}");
        Assert.False(result.Success);
        ConfigDiagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal("SyntaxError", error.Code);
        Assert.Equal(Path.Combine(folder.Path, "config.json"), error.FilePath);
        Assert.Equal(4, error.Line);
        Assert.Equal(3, error.Column);
        Assert.Contains("Fix the JSON at line 4, column 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("config.json:4:3", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile_IsConfigNotFound()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = ConfigLoader.Load(folder.File("nope.json"));
        Assert.Equal("ConfigNotFound", Assert.Single(result.Diagnostics).Code);
        ConfigException ex = Assert.Throws<ConfigException>(() => result.GetConfigOrThrow());
        Assert.Contains("nope.json", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://coding-intl.dashscope.aliyuncs.com/v1", null, "OpenAI", "https://coding-intl.dashscope.aliyuncs.com/v1/chat/completions")]
    [InlineData("https://coding-intl.dashscope.aliyuncs.com/v1/", null, "OpenAI", "https://coding-intl.dashscope.aliyuncs.com/v1/chat/completions")]
    [InlineData("https://api.deepseek.com/chat/completions", null, "OpenAI", "https://api.deepseek.com/chat/completions")]
    [InlineData("https://coding-intl.dashscope.aliyuncs.com/apps/anthropic", null, "Anthropic", "https://coding-intl.dashscope.aliyuncs.com/apps/anthropic/v1/messages")]
    [InlineData("https://api.minimax.io/anthropic/v1", null, "Anthropic", "https://api.minimax.io/anthropic/v1/messages")]
    [InlineData("https://api.minimax.io/anthropic/v1/messages", null, "Anthropic", "https://api.minimax.io/anthropic/v1/messages")]
    [InlineData("https://example.com/v1/messages", null, "Anthropic", "https://example.com/v1/messages")]
    [InlineData("https://example.com", "anthropic", "Anthropic", "https://example.com/v1/messages")]
    [InlineData("https://example.com/apps/anthropic", "openai", "OpenAI", "https://example.com/apps/anthropic/chat/completions")]
    public void ProtocolAndEndpoint_FollowTheRuleTable(string url, string? protocol, string expectedProtocol, string expectedEndpoint)
    {
        using var folder = new TempFolder();
        string protocolMember = protocol is null ? "" : $", \"protocol\": \"{protocol}\"";
        ConfigLoadResult result = TestLoad.Text(folder, $$"""{ "Providers": [ { "name": "p", "api_base_url": "{{url}}", "api_key": "sk-sp-1234567890"{{protocolMember}} } ] }""");
        Assert.True(result.Success, TestLoad.Dump(result));
        ProviderConfig p = result.Config!.Providers[0];
        Assert.Equal(expectedProtocol, p.Protocol.ToString());
        Assert.Equal(expectedEndpoint, p.Endpoint.ToString());
        Assert.Equal(protocol is null ? "inferred or default" : "protocol key", p.ProtocolReason == "protocol key" ? "protocol key" : "inferred or default");
    }

    [Theory]
    [InlineData("sk-sp-0123456789abcd", "sk-sp-…abcd")]
    [InlineData("sk-0123456789abcdef", "sk-…cdef")]
    [InlineData("abcdefghijklmnop", "…mnop")]
    [InlineData("short", "…")]
    public void KeyHint_ShowsOnlyThePrefixAndLastFour(string key, string hint)
    {
        Assert.Equal(hint, ProviderRules.KeyHint(key));
    }

    [Fact]
    public void HostDefaults_InteractiveOnlyAndRateLimitHeaders()
    {
        using var folder = new TempFolder();
        ConfigLoadResult result = TestLoad.Text(folder, """
            { "Providers": [
              { "name": "a", "api_base_url": "https://coding.dashscope.aliyuncs.com/v1", "api_key": "sk-sp-1234567890" },
              { "name": "b", "api_base_url": "https://open.bigmodel.cn/api/paas/v4", "api_key": "x" },
              { "name": "c", "api_base_url": "https://api.deepseek.com", "api_key": "x" },
              { "name": "d", "api_base_url": "https://api.z.ai/api/anthropic", "api_key": "x", "honor_rate_limit_headers": true } ] }
            """);
        Assert.True(result.Success, TestLoad.Dump(result));
        IReadOnlyList<ProviderConfig> p = result.Config!.Providers;
        Assert.Equal(new[] { true, false, false, false }, p.Select(x => x.InteractiveOnly));
        Assert.Equal(new[] { true, false, true, true }, p.Select(x => x.HonorRateLimitHeaders));
    }

    [Fact]
    public void ConfigPaths_HonourExplicitPathThenEnvironmentThenHome()
    {
        using var folder = new TempFolder();
        string? oldConfig = Environment.GetEnvironmentVariable(ConfigPaths.ConfigVariable);
        string? oldHome = Environment.GetEnvironmentVariable(ConfigPaths.HomeVariable);
        try
        {
            Environment.SetEnvironmentVariable(ConfigPaths.ConfigVariable, null);
            Environment.SetEnvironmentVariable(ConfigPaths.HomeVariable, folder.Path);
            Assert.Equal(Path.Combine(folder.Path, "config.json"), ConfigPaths.Resolve(null));
            Assert.Equal(Path.Combine(folder.Path, "logs"), ConfigPaths.LogFolder);
            Assert.Equal(Path.Combine(folder.Path, "state"), ConfigPaths.StateFolder);
            Environment.SetEnvironmentVariable(ConfigPaths.ConfigVariable, folder.File("env.json"));
            Assert.Equal(folder.File("env.json"), ConfigPaths.Resolve(null));
            Assert.Equal(folder.File("x.json"), ConfigPaths.Resolve(folder.File("x.json")));
            Environment.SetEnvironmentVariable(ConfigPaths.HomeVariable, null);
            Assert.Equal(
                Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".claude-code-router", "logs"),
                ConfigPaths.LogFolder);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ConfigPaths.ConfigVariable, oldConfig);
            Environment.SetEnvironmentVariable(ConfigPaths.HomeVariable, oldHome);
        }
    }
}

public class ConfigLimitKeysTests
{
    [Fact]
    public void ServerLimitKeys_AreRead_AndSurviveTheLoadersCopy()
    {
        CcrConfig config = ConfigLoader.LoadFromText("""
            { "Providers": [], "Router": {},
              "MAX_HEADER_BYTES": 16384, "HEADERS_TIMEOUT_MS": 1000, "BODY_TIMEOUT_MS": 2000,
              "KEEPALIVE_TIMEOUT_MS": 3000, "STREAM_WRITE_TIMEOUT_MS": 4000, "MAX_CONCURRENT_REQUESTS": 5 }
            """, null).Config!;

        Assert.Equal(16384, config.MaxHeaderBytes);
        Assert.Equal(1000, config.HeadersTimeoutMs);
        Assert.Equal(2000, config.BodyTimeoutMs);
        Assert.Equal(3000, config.KeepAliveTimeoutMs);
        Assert.Equal(4000, config.StreamWriteTimeoutMs);
        Assert.Equal(5, config.MaxConcurrentRequests);
    }
}
