using Ccr.Core.Protocol;

namespace Ccr.Core.Tests.Protocol;

public class ClaudeCodeUserIdTests
{
    [Theory]
    [InlineData("{\"device_id\":\"d\",\"account_uuid\":\"a\",\"session_id\":\"s-21\"}", "s-21")]
    [InlineData("{\"session_id\":\"first\",\"device_id\":\"d\"}", "first")]
    [InlineData("user_5a1b_account_0f1e-aaaa_session_8f2c-11", "8f2c-11")]
    [InlineData("user_5a1b_account__session_", null)]
    [InlineData("{\"device_id\":\"d\"}", null)]
    [InlineData("{\"session_id\":42}", null)]
    [InlineData("{not json", null)]
    [InlineData("plain-user", null)]
    [InlineData("", null)]
    public void SessionOf_ReadsBothShapes(string userId, string? expected) =>
        Assert.Equal(expected, ClaudeCodeUserId.SessionOf(userId));

    [Fact]
    public void RequestFacts_TakeTheSessionFromMetadata_InTheSamePass()
    {
        RequestFacts facts = RequestFacts.Read("""
            {"model":"claude-sonnet-4-5","metadata":{"user_id":"{\"device_id\":\"d\",\"account_uuid\":\"a\",\"session_id\":\"abc-123\"}"},
             "messages":[{"role":"user","content":"hi"}]}
            """u8);

        Assert.Equal("abc-123", facts.SessionId);
    }

    [Theory]
    [InlineData("""{"metadata":null,"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"metadata":{"user_id":7},"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""")]
    public void RequestFacts_WithoutAUsableUserId_HaveNoSession_AndStillRoute(string body) =>
        Assert.Null(RequestFacts.Read(System.Text.Encoding.UTF8.GetBytes(body)).SessionId);
}
