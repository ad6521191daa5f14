using Ccr.Core.Protocol;
using Ccr.Core.Protocol.Inbound;
using static Ccr.Core.Tests.Protocol.Inbound.InboundTestKit;

namespace Ccr.Core.Tests.Protocol.Inbound;

public class OpenAIErrorWriterTests
{
    [Theory]
    [InlineData(400, "invalid_request_error", "bad", "invalid_request_error", null)]
    [InlineData(401, "authentication_error", "bad key", "authentication_error", "invalid_api_key")]
    [InlineData(403, "permission_error", "no", "permission_error", "permission_denied")]
    [InlineData(404, "not_found_error", "no model", "not_found_error", "not_found")]
    [InlineData(429, "rate_limit_error", "slow down", "rate_limit_error", "rate_limit_exceeded")]
    [InlineData(429, "rate_limit_error", "Coding Plan quota exhausted", "insufficient_quota", "insufficient_quota")]
    [InlineData(500, "api_error", "boom", "server_error", null)]
    [InlineData(529, "overloaded_error", "busy", "server_error", "overloaded")]
    [InlineData(502, "something_new", "odd", "server_error", null)]
    [InlineData(422, "something_new", "odd", "invalid_request_error", null)]
    public void AnthropicErrors_MapToOpenAITypes(int status, string anthropicType, string message, string type, string? code)
    {
        string json = Run(o => OpenAIErrorWriter.Write(new AnthropicError(status, anthropicType, message), o));
        OpenAIErrorEnvelope error = OpenAIWire.Read<OpenAIErrorEnvelope>(json);
        Assert.Equal(new OpenAIError(message, type, null, code), error.Error);
    }

    [Fact]
    public void RequestRefusal_CarriesParam()
    {
        string json = Run(o => OpenAIErrorWriter.Write(new InboundRequestException("'n' must be 1.", "n"), o));
        JsonEqual("""{"error":{"message":"'n' must be 1.","type":"invalid_request_error","param":"n","code":null}}""", json);
    }

    [Fact]
    public void RouterErrorBody_IsReadBack()
    {
        AnthropicError error = OpenAIErrorWriter.ReadAnthropicError(429, Utf8("""{"type":"error","error":{"type":"rate_limit_error","message":"later"},"request_id":"r1"}"""));
        Assert.Equal(new AnthropicError(429, "rate_limit_error", "later"), error);
        AnthropicError odd = OpenAIErrorWriter.ReadAnthropicError(502, Utf8("<html>bad gateway</html>"));
        Assert.Equal("api_error", odd.Type);
        Assert.Contains("bad gateway", odd.Message, StringComparison.Ordinal);
    }
}
