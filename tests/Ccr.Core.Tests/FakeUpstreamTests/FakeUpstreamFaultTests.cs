using System.Diagnostics;
using System.Text.Json;
using FakeUpstream;
using static Ccr.Core.Tests.FakeUpstreamTests.UpstreamClient;

namespace Ccr.Core.Tests.FakeUpstreamTests;

/// <summary>Error replies carry each provider's shape, and faults break the exchange the way real networks do.</summary>
public sealed class FakeUpstreamFaultTests : FakeUpstreamTestBase
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task RateLimited_Is429WithRetryAfterInTheProvidersShape(bool anthropic, bool stream)
    {
        Server.Script("m", FakeReply.RateLimited(retryAfterSeconds: 7));

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, anthropic, "m", stream);

        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        JsonElement json = JsonDocument.Parse(body).RootElement;
        if (anthropic)
        {
            Assert.Equal("error", json.GetProperty("type").GetString());
            Assert.Equal("rate_limit_error", json.GetProperty("error").GetProperty("type").GetString());
        }
        else
        {
            Assert.Equal("rate_limit_exceeded", json.GetProperty("error").GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task RateLimited_WithoutRetryAfter_SendsNoRetryAfterHeader()
    {
        Server.Script("m", FakeReply.RateLimited());

        (HttpResponseMessage response, _) = await SendAsync(Client, Server, false, "m", false);

        Assert.Equal(429, (int)response.StatusCode);
        Assert.Null(response.Headers.RetryAfter);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RateLimitHeaders_Is200TextWithRemainingAndReset(bool anthropic)
    {
        Server.Script("m", FakeReply.RateLimitHeaders("ok", remaining: 0, resetSeconds: 30));

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, anthropic, "m", stream: true);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("0", response.Headers.GetValues("x-ratelimit-remaining").Single());
        Assert.Equal("30", response.Headers.GetValues("x-ratelimit-reset").Single());
        Assert.Equal("ok", StreamedText(ParseSse(body)));
    }

    [Theory]
    [InlineData(false, 500, "server_error")]
    [InlineData(true, 500, "api_error")]
    [InlineData(true, 529, "overloaded_error")]
    [InlineData(false, 503, "server_error")]
    public async Task ServerError_HasTheStatusAndErrorType(bool anthropic, int status, string type)
    {
        Server.Script("m", FakeReply.ServerError(status));

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, anthropic, "m", stream: true);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(type, JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task InvalidApiKey_IsDashScopes401()
    {
        Server.Script("m", FakeReply.InvalidApiKey());

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, false, "m", false);

        Assert.Equal(401, (int)response.StatusCode);
        JsonElement error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal("Incorrect API key provided.", error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task InvalidApiKey_OnAnthropicPath_IsAnAuthenticationError()
    {
        Server.Script("m", FakeReply.InvalidApiKey());

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, true, "m", false);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("authentication_error", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task QuotaExceeded_Is429WithCodeQuotaExceeded(bool anthropic)
    {
        Server.Script("m", FakeReply.QuotaExceeded());

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, anthropic, "m", false);

        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal("quota_exceeded", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task ErrorInside200_NonStream_Is200WithAnErrorBody()
    {
        Server.Script("m", FakeReply.ErrorInside200());

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, false, "m", false);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("1308", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, "error")]
    public async Task ErrorInside200_Stream_FirstEventIsAnError(bool anthropic, string? eventName)
    {
        Server.Script("m", FakeReply.ErrorInside200());

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, anthropic, "m", true);

        Assert.Equal(200, (int)response.StatusCode);
        SseEvent first = ParseSse(body)[0];
        Assert.Equal(eventName, first.Name);
        Assert.True(first.Json.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task SlowFirstByte_DelaysTheHeadersThenAnswers()
    {
        Server.Script("m", FakeReply.SlowFirstByte(TimeSpan.FromMilliseconds(300), FakeReply.Text("late")));

        var clock = Stopwatch.StartNew();
        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, true, "m", true);

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(280), "Answered after " + clock.Elapsed.TotalMilliseconds + " ms.");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("late", StreamedText(ParseSse(body)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CutMidStream_GivesATruncatedStreamWithoutTheEnd(bool anthropic)
    {
        Server.Script("m", FakeReply.CutMidStream(3));

        using HttpRequestMessage request = Request(Server, anthropic, "m", stream: true);
        using HttpResponseMessage response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        (string text, bool broke) = await ReadUntilBrokenAsync(response);

        Assert.True(broke, "The stream ended cleanly instead of breaking.");
        List<SseEvent> events = ParseSse(text);
        Assert.Equal("tok tok tok ", StreamedText(events));
        Assert.DoesNotContain(events, e => e.Data == "[DONE]" || e.Name == "message_stop");
    }

    [Fact]
    public async Task CutMidStream_NonStream_BreaksTheBody()
    {
        Server.Script("m", FakeReply.CutMidStream(3));

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => SendAsync(Client, Server, false, "m", false));
    }

    [Fact]
    public async Task Hang_IsBoundedByTheClientsTimeout()
    {
        Server.Script("m", FakeReply.Hang());
        using HttpClient impatient = NewClient(TimeSpan.FromMilliseconds(500));

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SendAsync(impatient, Server, false, "m", false));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Hang_EndsWhenTheServerIsDisposed()
    {
        FakeUpstreamServer server = FakeUpstreamServer.Start();
        server.Script("m", FakeReply.Hang());
        Task<(HttpResponseMessage, string)> pending = SendAsync(Client, server, false, "m", false);
        await Task.Delay(200);

        await server.DisposeAsync();

        Task finished = await Task.WhenAny(pending, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(pending, finished);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => pending);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(502)]
    public async Task Garbage_IsHtmlWithTheStatus(int status)
    {
        Server.Script("m", FakeReply.Garbage(status: status));

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, false, "m", true);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("<html>502 Bad Gateway</html>", body);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectionReset_FailsTheRequestWithoutAResponse(bool anthropic)
    {
        Server.Script("m", FakeReply.ConnectionReset());

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => SendAsync(Client, Server, anthropic, "m", false));
    }

    [Fact]
    public async Task Raw_ReplaysTheFixtureVerbatim()
    {
        const string Fixture = "data: {\"x\":1}\n\n";
        Server.Script("m", FakeReply.Raw(200, "text/event-stream", Fixture));

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, true, "m", false);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Fixture, body);
    }

    [Fact]
    public async Task Status_SendsBodyAndHeaders()
    {
        Server.Script("m", FakeReply.Status(400, """{"error":{"message":"bad"}}""", ("x-request-id", "r1")));

        (HttpResponseMessage response, string body) = await SendAsync(Client, Server, false, "m", false);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("r1", response.Headers.GetValues("x-request-id").Single());
        Assert.Equal("""{"error":{"message":"bad"}}""", body);
    }
}
