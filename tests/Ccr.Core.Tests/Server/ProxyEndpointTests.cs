using System.Net;
using System.Text.Json.Nodes;
using Ccr.Core.Server;
using FakeUpstream;

namespace Ccr.Core.Tests.Server;

/// <summary>The OpenAI-format inbound endpoints and the control endpoints, over real HTTP.</summary>
public class ProxyEndpointTests
{
    [Fact]
    public async Task ChatCompletions_IsRoutedAndAnsweredInOpenAIShape()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig, u => u.Script("qwen3-coder-plus", FakeReply.Text("chat answer")));

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/chat/completions",
            """{"model":"qwen,qwen3-coder-plus","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"Hello"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat.completion", (string?)body["object"]);
        Assert.Equal("chat answer", (string?)body["choices"]![0]!["message"]!["content"]);
        Assert.Equal("stop", (string?)body["choices"]![0]!["finish_reason"]);
        JsonNode sent = JsonNode.Parse(Assert.Single(f.Upstream.Requests).Body)!;
        Assert.Equal("qwen3-coder-plus", (string?)sent["model"]);
    }

    [Fact]
    public async Task ChatCompletionsToAnOpenAIUpstream_IsPassedThroughWithOnlyTheModelRewritten()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig, u => u.Script("qwen3-coder-plus", FakeReply.Text("raw answer")));

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/chat/completions",
            """{"model":"qwen,qwen3-coder-plus","seed":7,"logprobs":false,"max_tokens":999999,"messages":[{"role":"user","content":"Hello"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("raw answer", (string?)body["choices"]![0]!["message"]!["content"]);
        JsonNode sent = JsonNode.Parse(Assert.Single(f.Upstream.Requests).Body)!;
        Assert.Equal("qwen3-coder-plus", (string?)sent["model"]);
        Assert.Equal(7, (int)sent["seed"]!);            // a field the Anthropic round trip would drop
        Assert.False((bool)sent["logprobs"]!);
        Assert.Equal("Hello", (string?)sent["messages"]![0]!["content"]);
    }

    [Fact]
    public async Task ChatCompletionsFallingToAnAnthropicTier_IsTranslated()
    {
        const string config = """
            {
              "Providers": [
                { "name": "openai", "api_base_url": "{OPENAI}", "api_key": "sk-one-111111", "models": ["o-model"] },
                { "name": "plan", "api_base_url": "{ANTHROPIC}", "api_key": "sk-ant-222222", "models": ["a-model"] }
              ],
              "Router": { "tiers": ["openai,o-model", "plan,a-model"], "tierRetries": { "tier-0": { "max_retries": 0 } } }
            }
            """;
        await using ProxyFixture f = await ProxyFixture.StartAsync(config, u =>
        {
            u.Script("o-model", FakeReply.ServerError(500));
            u.Script("a-model", FakeReply.Text("from anthropic tier"));
        });

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/chat/completions",
            """{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat.completion", (string?)body["object"]);
        Assert.Equal("from anthropic tier", (string?)body["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public async Task ProxyUrl_CarriesUpstreamCallsThroughTheConfiguredHttpProxy()
    {
        // The provider's host does not resolve; only an HTTP proxy (the second fake, on loopback) can reach "it".
        await using FakeUpstreamServer httpProxy = FakeUpstreamServer.Start();
        httpProxy.ScriptDefault(FakeReply.Text("via the proxy"));
        string config = """
            {
              "Providers": [ { "name": "far", "api_base_url": "http://upstream.invalid/v1", "api_key": "sk-far-000000", "models": ["m"] } ],
              "Router": { "default": "far,m" },
              "PROXY_URL": "PROXYURL"
            }
            """.Replace("PROXYURL", httpProxy.BaseUrl.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal);
        await using ProxyFixture f = await ProxyFixture.StartAsync(config);

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/messages", """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("via the proxy", (string?)body["content"]![0]!["text"]);
        RecordedRequest proxied = Assert.Single(httpProxy.Requests);
        Assert.Equal("http://upstream.invalid/v1/chat/completions", proxied.Path);
        Assert.Equal("upstream.invalid", proxied.Headers["Host"]);
    }

    [Fact]
    public async Task ChatCompletionsStream_EndsWithDone()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig, u => u.Script("qwen3-coder-plus", FakeReply.Stream(5, TimeSpan.Zero, "tok ")));

        using HttpResponseMessage response = await f.PostAsync("/v1/chat/completions",
            """{"model":"qwen,qwen3-coder-plus","stream":true,"messages":[{"role":"user","content":"Hello"}]}""");
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("chat.completion.chunk", text, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Responses_IsRoutedAndAnsweredInResponsesShape_StreamingToo()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig, u => u.Script("qwen3-coder-plus", FakeReply.Text("responses answer")));

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/responses",
            """{"model":"qwen,qwen3-coder-plus","input":"Hello","instructions":"be brief"}""");
        using HttpResponseMessage streamed = await f.PostAsync("/v1/responses",
            """{"model":"qwen,qwen3-coder-plus","input":"Hello","stream":true}""");
        string events = await streamed.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("response", (string?)body["object"]);
        Assert.Equal("completed", (string?)body["status"]);
        Assert.Contains("responses answer", body.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("event: response.created", events, StringComparison.Ordinal);
        Assert.Contains("event: response.completed", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResponsesStream_FailingEveryTier_EndsInAnOpenAIError()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig, u => u.ScriptDefault(FakeReply.InvalidApiKey()));

        using HttpResponseMessage response = await f.PostAsync("/v1/responses",
            """{"model":"qwen,qwen3-coder-plus","input":"Hello","stream":true}""");
        string text = await response.Content.ReadAsStringAsync();

        // Every tier failed before a byte was streamed, so a Responses client gets what OpenAI sends for a stream it
        // refuses: an HTTP error with an OpenAI error object (its SDKs raise AuthenticationError from it), no events.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("event:", text, StringComparison.Ordinal);
        JsonNode body = JsonNode.Parse(text)!;
        Assert.Null(body["type"]); // not the Anthropic {"type":"error",...} shape
        Assert.Equal("authentication_error", (string?)body["error"]!["type"]);
        Assert.Equal("invalid_api_key", (string?)body["error"]!["code"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)body["error"]!["message"]));
        Assert.DoesNotContain("sk-sp-test-key-qwen-1234", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-backup-key-5678", text, StringComparison.Ordinal);

        // Every tier was tried, each with a streaming request.
        Assert.Contains(f.Upstream.Requests, r => r.Model == "qwen3-coder-plus" && r.Stream);
        Assert.Contains(f.Upstream.Requests, r => r.Model == "backup-model" && r.Stream);
    }

    [Fact]
    public async Task BadChatRequest_IsAnOpenAIShaped400()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig);

        (HttpResponseMessage response, JsonNode body) = await f.PostJsonAsync("/v1/chat/completions", """{"model":"qwen,qwen3-coder-plus","messages":"not a list"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (string?)body["error"]!["type"]);
        Assert.Empty(f.Upstream.Requests);
    }

    [Fact]
    public async Task TiersEndpoint_ReportsLiveStateAfterACooldown()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig, u =>
        {
            u.Script("qwen3-coder-plus", FakeReply.RateLimited(retryAfterSeconds: 120));
            u.Script("backup-model", FakeReply.Text("backup"));
        });
        await f.PostJsonAsync("/v1/messages", """{"model":"qwen,qwen3-coder-plus","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""");

        JsonNode tiers = JsonNode.Parse(await f.Client.GetStringAsync("/ccr/tiers"))!;

        JsonNode qwen = tiers["tiers"]![0]!;
        Assert.Equal("qwen", (string?)qwen["provider"]);
        Assert.Equal("CoolingDown", (string?)qwen["state"]);
        Assert.Equal("ccr-qwen", (string?)qwen["tier_name"]);
        Assert.True((long)qwen["failures"]! >= 1);
        Assert.Equal("Ready", (string?)tiers["tiers"]![1]!["state"]);
    }

    [Fact]
    public async Task Shutdown_NeedsTheControlToken_AndStopsTheProxy()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ProxyFlowTests.TwoTierConfig);
        using HttpResponseMessage forged = await f.Client.PostAsync("/ccr/shutdown", new StringContent(""));

        bool accepted = await new ProxyControlClient(f.Proxy.Port, stateFolder: Path.Combine(f.Folder, "state")).RequestStopAsync(CancellationToken.None);
        await f.Proxy.Completion.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.True(accepted);
        Assert.False(f.Proxy.IsRunning);
        Assert.Null(await new ProxyControlClient(f.Proxy.Port).GetHealthAsync(TimeSpan.FromSeconds(2)));
        Assert.False(File.Exists(Path.Combine(f.Folder, "state", "proxy-" + f.Proxy.Port + ".control")));
    }
}
