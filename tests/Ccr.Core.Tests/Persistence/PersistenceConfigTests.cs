using Ccr.Core.Config;
using Ccr.Core.Persistence;
using StackExchange.Redis;

namespace Ccr.Core.Tests.Persistence;

/// <summary>The <c>Persistence</c> block and <c>redis_url</c>: parsing, TLS, <c>${VAR}</c>, and the local fallback on a bad block.</summary>
public class PersistenceConfigTests
{
    private const string Template = """
        {
          "Providers": [ { "name": "p", "api_base_url": "http://127.0.0.1:9/v1", "api_key": "sk-test-1234", "models": ["m"] } ],
          "Persistence": {BLOCK}
        }
        """;

    [Fact]
    public void NoPersistenceBlock_IsLocal()
    {
        CcrConfig config = ConfigLoader.LoadFromText("""{ "Providers": [] }""", null).GetConfigOrThrow();
        Assert.Equal(PersistenceMode.Local, config.Persistence.Mode);
    }

    [Fact]
    public void RedisBlock_ReadsUrlAndPrefix_WithThePasswordFromAVariable()
    {
        ConfigLoadResult result = Load("""{ "mode": "redis", "redis_url": "redis://ccr:${REDIS_PW}@10.0.0.5:6380/3", "redis_prefix": "team:" }""",
            new Dictionary<string, string?> { ["REDIS_PW"] = "s3cret/with:chars" });
        PersistenceConfig persistence = result.GetConfigOrThrow().Persistence;

        Assert.Equal(PersistenceMode.Redis, persistence.Mode);
        Assert.Equal("team:", persistence.Prefix);
        RedisEndpoint endpoint = persistence.Redis!;
        Assert.Equal(("10.0.0.5", 6380, 3, false, "ccr", "s3cret/with:chars"), (endpoint.Host, endpoint.Port, endpoint.Database, endpoint.UseTls, endpoint.User, endpoint.Password));
        Assert.DoesNotContain("s3cret", endpoint.Display, StringComparison.Ordinal);
        Assert.Equal("redis://ccr:***@10.0.0.5:6380/3", endpoint.Display);
    }

    [Fact]
    public void Rediss_MeansTls_AndTheClientOptionsNeverBlockTheRequestPath()
    {
        RedisEndpoint endpoint = RedisEndpoint.TryParse("rediss://:pw@cache.example.net", out string? problem)!;
        Assert.Null(problem);
        ConfigurationOptions options = endpoint.ToOptions();

        Assert.True(options.Ssl);
        Assert.Equal("cache.example.net", options.SslHost);
        Assert.Equal(6379, endpoint.Port);
        Assert.Equal("pw", options.Password);
        Assert.False(options.AbortOnConnectFail);
        Assert.Equal(BacklogPolicy.FailFast, options.BacklogPolicy);
        Assert.Equal("rediss://:***@cache.example.net:6379/0", endpoint.Display);
    }

    [Theory]
    [InlineData("http://127.0.0.1:6379", "scheme 'http'")]
    [InlineData("redis://127.0.0.1:6379/zero", "not a database number")]
    [InlineData("not a url", "not a URL")]
    [InlineData("", "empty")]
    public void BadUrl_IsAWarningWithTheFix_AndCountingStaysLocal(string url, string expected)
    {
        ConfigLoadResult result = Load("""{ "mode": "redis", "redis_url": "URL" }""".Replace("URL", url, StringComparison.Ordinal));

        Assert.True(result.Success);
        Assert.Equal(PersistenceMode.Local, result.Config!.Persistence.Mode);
        ConfigDiagnostic warning = Assert.Single(result.Diagnostics, d => d.Code == "InvalidRedisUrl");
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Contains(expected, warning.Message, StringComparison.Ordinal);
        Assert.Contains("redis://", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Persistence.redis_url", warning.JsonPath, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownMode_IsAWarning_AndLocal()
    {
        ConfigLoadResult result = Load("""{ "mode": "etcd" }""");
        Assert.Equal(PersistenceMode.Local, result.GetConfigOrThrow().Persistence.Mode);
        Assert.Contains(result.Diagnostics, d => d.Code == "InvalidPersistence" && d.Message.Contains("\"redis\"", StringComparison.Ordinal));
    }

    [Fact]
    public void ProviderKeyHash_NeverHoldsTheKey_AndDiffersPerKey()
    {
        string a = ProviderKeyHash.Of("qwen", "sk-sp-aaaaaaaaaaaa");
        string b = ProviderKeyHash.Of("qwen", "sk-sp-bbbbbbbbbbbb");

        Assert.Equal(16, a.Length);
        Assert.NotEqual(a, b);
        Assert.Equal(a, ProviderKeyHash.Of("QWEN", "sk-sp-aaaaaaaaaaaa"));
        Assert.DoesNotContain("aaaa", a, StringComparison.Ordinal);
    }

    private static ConfigLoadResult Load(string block, Dictionary<string, string?>? environment = null) =>
        ConfigLoader.LoadFromText(Template.Replace("{BLOCK}", block, StringComparison.Ordinal), null,
            new ConfigLoadOptions { Environment = environment ?? new Dictionary<string, string?>(), WorkingDirectory = Path.GetTempPath() });
}
