using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FakeUpstream;
using static Ccr.Core.Tests.FakeUpstreamTests.UpstreamClient;

namespace Ccr.Core.Tests.FakeUpstreamTests;

/// <summary>Scripts, handlers and the request record behave as tests rely on.</summary>
public sealed class FakeUpstreamScriptTests : FakeUpstreamTestBase
{
    [Fact]
    public void Start_BindsLoopbackWithBothBases()
    {
        Assert.Equal("127.0.0.1", Server.BaseUrl.Host);
        Assert.Equal(Server.BaseUrl.AbsoluteUri + "v1", Server.OpenAIBaseUrl);
        Assert.Equal(Server.BaseUrl.AbsoluteUri + "anthropic", Server.AnthropicBaseUrl);
    }

    [Fact]
    public async Task Script_RepliesInOrderThenRepeatsTheLast()
    {
        Server.Script("m", FakeReply.ServerError(), FakeReply.RateLimited(), FakeReply.Text("ok"));

        var statuses = new List<int>();
        for (int i = 0; i < 5; i++)
        {
            (HttpResponseMessage response, _) = await SendAsync(Client, Server, false, "m", false);
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal([500, 429, 200, 200, 200], statuses);
    }

    [Fact]
    public async Task Script_AppliesOnlyToItsModel_OthersGetTheDefault()
    {
        Server.Script("scripted", FakeReply.ServerError());

        (HttpResponseMessage other, string body) = await SendAsync(Client, Server, false, "other", false);
        (HttpResponseMessage scripted, _) = await SendAsync(Client, Server, false, "scripted", false);

        Assert.Equal(200, (int)other.StatusCode);
        Assert.Contains("Hello from fake upstream", body, StringComparison.Ordinal);
        Assert.Equal(500, (int)scripted.StatusCode);
    }

    [Fact]
    public async Task ScriptDefault_ReplacesTheBuiltInAnswer()
    {
        Server.ScriptDefault(FakeReply.Text("custom default"));

        (_, string body) = await SendAsync(Client, Server, true, "anything", false);

        Assert.Equal("custom default", JsonDocument.Parse(body).RootElement.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Handle_TakesPrecedenceAndFallsThroughOnNull()
    {
        Server.Script("m", FakeReply.Text("from script"));
        Server.Handle(r => r.Body.Contains("\"stream\":true", StringComparison.Ordinal) ? FakeReply.ServerError(503) : null);

        (HttpResponseMessage streamed, _) = await SendAsync(Client, Server, false, "m", true);
        (HttpResponseMessage plain, string body) = await SendAsync(Client, Server, false, "m", false);

        Assert.Equal(503, (int)streamed.StatusCode);
        Assert.Equal(200, (int)plain.StatusCode);
        Assert.Contains("from script", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_RecordMethodPathHeadersBodyAndModel()
    {
        using HttpRequestMessage request = Request(Server, anthropic: true, "claude-x", stream: true);
        request.Headers.Add("x-api-key", "sk-test");
        request.Headers.Add("anthropic-version", "2023-06-01");
        using HttpResponseMessage response = await Client.SendAsync(request);
        string sent = await request.Content!.ReadAsStringAsync();

        RecordedRequest recorded = Assert.Single(Server.Requests);
        Assert.Equal("POST", recorded.Method);
        Assert.Equal("/anthropic/v1/messages", recorded.Path);
        Assert.Equal("sk-test", recorded.Headers["X-Api-Key"]);
        Assert.Equal("2023-06-01", recorded.Headers["anthropic-version"]);
        Assert.Equal(sent, recorded.Body);
        Assert.Equal("claude-x", recorded.Model);
        Assert.True(recorded.Stream);
        Assert.True(recorded.IsAnthropic);
        Assert.InRange(recorded.ReceivedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task CountFor_CountsPerModelAndResetClearsEverything()
    {
        Server.Script("a", FakeReply.ServerError());
        await SendAsync(Client, Server, false, "a", false);
        await SendAsync(Client, Server, true, "a", true);
        await SendAsync(Client, Server, false, "b", false);

        Assert.Equal(2, Server.CountFor("a"));
        Assert.Equal(1, Server.CountFor("b"));
        Assert.Equal(0, Server.CountFor("c"));

        Server.Reset();
        (HttpResponseMessage afterReset, _) = await SendAsync(Client, Server, false, "a", false);

        Assert.Equal(200, (int)afterReset.StatusCode);
        Assert.Equal(1, Server.CountFor("a"));
        Assert.Single(Server.Requests);
    }

    [Fact]
    public void RequestLog_KeepsOnlyTheMostRecent()
    {
        var log = new RequestLog(capacity: 3);
        for (int i = 0; i < 5; i++)
        {
            log.Add(new RecordedRequest("POST", "/" + i, new Dictionary<string, string>(), string.Empty, null, false, DateTimeOffset.UtcNow));
        }

        Assert.Equal(["/2", "/3", "/4"], log.Snapshot().Select(r => r.Path));
        Assert.Equal(10_000, FakeUpstreamServer.RecordCapacity);
    }

    [Fact]
    public async Task RecordRequestsOff_StillCountsButKeepsNothing()
    {
        Server.RecordRequests = false;

        await SendAsync(Client, Server, false, "m", false);

        Assert.Empty(Server.Requests);
        Assert.Equal(1, Server.CountFor("m"));
    }

    [Fact]
    public async Task HealthAndModels_Answer200()
    {
        Server.Script("qwen3-coder-plus", FakeReply.Text("x"));

        using HttpResponseMessage health = await Client.GetAsync(new Uri(Server.BaseUrl, "health"));
        string models = await Client.GetStringAsync(new Uri(Server.OpenAIBaseUrl + "/models"));
        string anthropicModels = await Client.GetStringAsync(new Uri(Server.AnthropicBaseUrl + "/v1/models"));

        Assert.Equal(200, (int)health.StatusCode);
        Assert.Equal("list", JsonDocument.Parse(models).RootElement.GetProperty("object").GetString());
        Assert.Contains(JsonDocument.Parse(models).RootElement.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == "qwen3-coder-plus");
        Assert.Equal("model", JsonDocument.Parse(anthropicModels).RootElement.GetProperty("data")[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task CountTokens_AnswersWithInputTokens()
    {
        using var content = new StringContent("{\"model\":\"m\",\"messages\":[]}", Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using HttpResponseMessage response = await Client.PostAsync(new Uri(Server.AnthropicBaseUrl + "/v1/messages/count_tokens"), content);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("input_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task UnknownPath_Is404()
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri(Server.BaseUrl, "nope"));

        Assert.Equal(404, (int)response.StatusCode);
    }

    [Fact]
    public void Script_WithNoReplies_SaysWhatToDo()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => Server.Script("m"));

        Assert.Contains("at least one reply", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolCall_WithInvalidArguments_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => FakeReply.ToolCall("t", "{not json"));
    }
}
