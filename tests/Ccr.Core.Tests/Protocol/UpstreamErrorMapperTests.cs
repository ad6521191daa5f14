using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Ccr.Core.Config;
using Ccr.Core.Protocol;

namespace Ccr.Core.Tests.Protocol;

public class UpstreamErrorMapperTests
{
    private static readonly Dictionary<string, string> s_noHeaders = new();

    private static ProviderConfig Qwen(string key = "sk-sp-secretsecretsecret1234") => ProtocolFixtures.Provider(new JsonObject
    {
        ["name"] = "qwen",
        ["api_base_url"] = "https://coding-intl.dashscope.aliyuncs.com/v1",
        ["api_key"] = key,
    });

    [Fact]
    public void DashScopeInvalidApiKey_IsAuthenticationErrorWithCodingPlanHint()
    {
        UpstreamFailure f = UpstreamErrorMapper.FromHttp(401,
            Encoding.UTF8.GetBytes("{\"error\":{\"message\":\"Incorrect API key provided. \",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"},\"request_id\":\"f1\"}"),
            s_noHeaders, Qwen());
        Assert.Equal(FailureKind.Auth, f.Kind);
        Assert.Equal(401, f.Error.Status);
        Assert.Equal("authentication_error", f.Error.Type);
        Assert.Contains("sk-sp-", f.Error.Message, StringComparison.Ordinal);
        Assert.Contains("coding-intl.dashscope.aliyuncs.com", f.Error.Message, StringComparison.Ordinal);
        Assert.Contains("Incorrect API key provided", f.Error.Message, StringComparison.Ordinal);
        Assert.False(f.Retryable);
    }

    [Theory]
    [InlineData(429, "{\"error\":{\"code\":\"quota_exceeded\",\"message\":\"Your quota is exhausted\"}}")]
    [InlineData(400, "{\"code\":\"Arrearage\",\"message\":\"Access denied, please make sure your account is in good standing.\",\"request_id\":\"x\"}")]
    [InlineData(429, "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\"}}")]
    [InlineData(402, "{\"error\":{\"message\":\"Insufficient Balance\",\"type\":\"unknown_error\"}}")]
    [InlineData(429, "{\"error\":{\"code\":\"1113\",\"message\":\"余额不足或无可用资源包,请充值。\"}}")]
    public void QuotaErrors_AreRateLimitErrorsOfKindQuotaExceeded(int status, string body)
    {
        UpstreamFailure f = UpstreamErrorMapper.FromHttp(status, Encoding.UTF8.GetBytes(body), s_noHeaders, Qwen());
        Assert.Equal(FailureKind.QuotaExceeded, f.Kind);
        Assert.Equal(429, f.Error.Status);
        Assert.Equal("rate_limit_error", f.Error.Type);
        Assert.True(f.Retryable);
        Assert.False(f.ClientFault);
    }

    [Fact]
    public void Plain429_IsRateLimited_WithRetryAfterSeconds()
    {
        UpstreamFailure f = UpstreamErrorMapper.FromHttp(429, "{\"error\":{\"message\":\"Too many requests\"}}"u8, new Dictionary<string, string> { ["retry-after"] = "17" }, Qwen());
        Assert.Equal(FailureKind.RateLimited, f.Kind);
        Assert.Equal(TimeSpan.FromSeconds(17), f.RetryAfter);
        Assert.True(f.Retryable);
    }

    [Fact]
    public void RetryAfter_AsHttpDate_IsTheTimeUntilThatDate()
    {
        string date = DateTimeOffset.UtcNow.AddSeconds(120).ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        UpstreamFailure f = UpstreamErrorMapper.FromHttp(429, "{}"u8, new Dictionary<string, string> { ["Retry-After"] = date }, Qwen());
        Assert.NotNull(f.RetryAfter);
        Assert.InRange(f.RetryAfter!.Value.TotalSeconds, 100, 121);
    }

    [Theory]
    [InlineData("{\"error\":{\"message\":\"This model's maximum context length is 131072 tokens. However, you requested 140000 tokens\",\"code\":\"context_length_exceeded\"}}")]
    [InlineData("{\"error\":{\"message\":\"<400> InternalError.Algo.InvalidParameter: Range of input length should be [1, 129024]; prompt is too long\"}}")]
    public void ContextTooLong_IsClientFaultInvalidRequest(string body)
    {
        UpstreamFailure f = UpstreamErrorMapper.FromHttp(400, Encoding.UTF8.GetBytes(body), s_noHeaders, Qwen());
        Assert.Equal(FailureKind.ContextTooLong, f.Kind);
        Assert.Equal("invalid_request_error", f.Error.Type);
        Assert.True(f.ClientFault);
        Assert.False(f.Retryable);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(422)]
    public void OtherClientErrors_AreInvalidRequestNotRetryable(int status)
    {
        UpstreamFailure f = UpstreamErrorMapper.FromHttp(status, "{\"error\":{\"message\":\"tools[0].function.parameters is invalid\"}}"u8, s_noHeaders, Qwen());
        Assert.Equal(FailureKind.BadRequest, f.Kind);
        Assert.Equal(400, f.Error.Status);
        Assert.True(f.ClientFault);
        Assert.False(f.Retryable);
        Assert.Contains("tools[0].function.parameters is invalid", f.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500, "api_error")]
    [InlineData(502, "api_error")]
    [InlineData(503, "api_error")]
    [InlineData(529, "overloaded_error")]
    public void ServerErrors_AreRetryable(int status, string type)
    {
        UpstreamFailure f = UpstreamErrorMapper.FromHttp(status, "<html>bad gateway</html>"u8, s_noHeaders, Qwen());
        Assert.Equal(type, f.Error.Type);
        Assert.True(f.Retryable);
        Assert.False(f.ClientFault);
    }

    [Fact]
    public void OverloadedMessage_IsOverloadedError()
    {
        UpstreamFailure f = UpstreamErrorMapper.FromHttp(503, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"u8, s_noHeaders, Qwen());
        Assert.Equal("overloaded_error", f.Error.Type);
        Assert.Equal(529, f.Error.Status);
    }

    [Fact]
    public void ApiKeyEchoedByProvider_NeverReachesTheMessage()
    {
        const string key = "sk-sp-abcdefghijklmnopqrstuvwxyz";
        UpstreamFailure f = UpstreamErrorMapper.FromHttp(401, Encoding.UTF8.GetBytes("{\"error\":{\"message\":\"key " + key + " is invalid; also sk-otherkey1234567890abc\"}}"), s_noHeaders, Qwen(key));
        Assert.DoesNotContain(key, f.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-otherkey1234567890abc", f.Error.Message, StringComparison.Ordinal);
        Assert.Contains("[redacted]", f.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LongProviderMessage_IsTruncated()
    {
        string body = "{\"error\":{\"message\":\"" + new string('x', 5000) + "\"}}";
        UpstreamFailure f = UpstreamErrorMapper.FromHttp(400, Encoding.UTF8.GetBytes(body), s_noHeaders, Qwen());
        Assert.InRange(f.Error.Message.Length, 100, 800);
    }

    [Fact]
    public async Task ConnectionRefused_IsRetryableNetworkApiError()
    {
        // A real refused connection: bind a port, release it, then connect to it.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new HttpClient();
        Exception e = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync(new Uri("http://127.0.0.1:" + port + "/"), CancellationToken.None));
        UpstreamFailure f = UpstreamErrorMapper.FromException(e, Qwen());
        Assert.Equal(FailureKind.Network, f.Kind);
        Assert.Equal("api_error", f.Error.Type);
        Assert.True(f.Retryable);
        Assert.Contains("connection refused", f.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeout_IsRetryableOverloaded()
    {
        UpstreamFailure f = UpstreamErrorMapper.FromException(new TaskCanceledException("timed out", new TimeoutException()), Qwen());
        Assert.Equal(FailureKind.Timeout, f.Kind);
        Assert.Equal("overloaded_error", f.Error.Type);
        Assert.True(f.Retryable);
    }

    [Theory]
    [InlineData("{\"error\":{\"code\":\"1308\",\"message\":\"Usage limit reached for 5 hour.\"}}", true)]
    [InlineData("{\"id\":\"1\",\"choices\":[{\"index\":0,\"message\":{\"content\":\"ok\"}}]}", false)]
    [InlineData("{\"id\":\"1\",\"choices\":[],\"base_resp\":{\"status_code\":0,\"status_msg\":\"\"}}", false)]
    [InlineData("{\"base_resp\":{\"status_code\":1008,\"status_msg\":\"insufficient balance\"}}", true)]
    public void TryDetectErrorInSuccess_FindsErrorObjectsOnly(string body, bool isError)
    {
        Assert.Equal(isError, UpstreamErrorMapper.TryDetectErrorInSuccess(Encoding.UTF8.GetBytes(body), Qwen(), out UpstreamFailure f));
        if (isError)
        {
            Assert.Equal(FailureKind.QuotaExceeded, f.Kind);
        }
    }

    [Fact]
    public void AnthropicError_WritesTheAnthropicErrorShape()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        new AnthropicError(429, "rate_limit_error", "slow down").WriteJson(output, "req_1");
        JsonNode expected = JsonNode.Parse("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"},\"request_id\":\"req_1\"}")!;
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(output.WrittenSpan)));
    }

    [Theory]
    [InlineData("""{"id":"c","choices":[{"message":{"content":"the error was mine"}}],"usage":{"error":1}}""", false)]
    [InlineData("""{"choices":[{"delta":{"content":"x"}}]}""", false)]
    [InlineData("""{"error":{"message":"bad key"}}""", true)]
    [InlineData("""{"type":"error","error":{"type":"overloaded_error","message":"busy"}}""", true)]
    [InlineData("""{"base_resp":{"status_code":1008,"status_msg":"insufficient balance"}}""", true)]
    [InlineData("""{"code":"Throttling","message":"slow"}""", true)]
    [InlineData("""[1,2]""", true)]
    [InlineData("""not json""", true)]
    public void MayBeError_LetsOnlyBodiesNamingAnErrorFieldThroughToTheFullParse(string body, bool mayBeError)
    {
        Assert.Equal(mayBeError, UpstreamErrorInfo.MayBeError(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void ErrorInSuccess_IsFoundTheSameFromBytesAndFromAParsedRoot()
    {
        byte[] body = Encoding.UTF8.GetBytes("""{"base_resp":{"status_code":1008,"status_msg":"insufficient balance"}}""");
        using var document = System.Text.Json.JsonDocument.Parse(body);

        Assert.True(UpstreamErrorMapper.TryDetectErrorInSuccess(body, null, out UpstreamFailure fromBytes));
        Assert.True(UpstreamErrorMapper.TryDetectErrorInSuccess(document.RootElement, body, null, out UpstreamFailure fromRoot));
        Assert.Equal(FailureKind.QuotaExceeded, fromBytes.Kind);
        Assert.Equal(fromBytes.Error, fromRoot.Error);
    }
}
