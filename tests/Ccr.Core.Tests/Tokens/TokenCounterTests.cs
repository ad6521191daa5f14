using System.Text.Json.Nodes;
using System.Text;
using Ccr.Core.Protocol;
using Ccr.Core.Tokens;

namespace Ccr.Core.Tests.Tokens;

public class TokenCounterTests
{
    private static byte[] Body(JsonObject o) => Encoding.UTF8.GetBytes(o.ToJsonString());

    private static JsonObject Request(params JsonNode[] messages) => new() { ["model"] = "m", ["max_tokens"] = 10, ["messages"] = new JsonArray(messages) };

    private static int Direct(string text) => TokenCounter.Tokenizer.CountTokens(text);

    [Fact]
    public void ToolUseInput_AndToolResultContent_AreCounted()
    {
        string bigInput = string.Join(" ", Enumerable.Range(0, 500).Select(i => "argument" + i));
        string bigResult = string.Join("\n", Enumerable.Range(0, 500).Select(i => "line " + i + " of the file"));
        JsonObject withoutTools = Request(new JsonObject { ["role"] = "user", ["content"] = "hi" });
        JsonObject withTools = Request(
            new JsonObject { ["role"] = "user", ["content"] = "hi" },
            new JsonObject { ["role"] = "assistant", ["content"] = new JsonArray(new JsonObject { ["type"] = "tool_use", ["id"] = "t1", ["name"] = "Write", ["input"] = new JsonObject { ["content"] = bigInput } }) },
            new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = "t1", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = bigResult }) }) });

        int baseline = TokenCounter.CountRequest(Body(withoutTools));
        int counted = TokenCounter.CountRequest(Body(withTools));
        int expectedAtLeast = Direct(bigInput) + Direct(bigResult);
        Assert.InRange(counted - baseline, expectedAtLeast, expectedAtLeast + 60);
    }

    [Fact]
    public void ToolDefinitions_SystemAndThinking_AreCounted()
    {
        string schema = "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"description\":\"Absolute path of the file to read\"}}}";
        JsonObject body = Request(new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "thinking", ["thinking"] = "Let me think about the structure of this repository carefully.", ["signature"] = new string('s', 400) }),
        });
        body["system"] = "You are a careful assistant.";
        body["tools"] = new JsonArray(new JsonObject { ["name"] = "Read", ["description"] = "Reads a file from disk", ["input_schema"] = JsonNode.Parse(schema) });
        int counted = TokenCounter.CountRequest(Body(body));
        int expected = Direct("Let me think about the structure of this repository carefully.") + Direct("You are a careful assistant.") +
            Direct("Read") + Direct("Reads a file from disk") + Direct(schema);
        Assert.InRange(counted, expected, expected + 30);
    }

    [Fact]
    public void Image_IsCountedFromPngSize_OrAFixedEstimate()
    {
        // A real PNG header: 200x150.
        byte[] png = new byte[33];
        new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 200, 0, 0, 0, 150 }.CopyTo(png, 0);
        JsonObject small = Request(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "image", ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = "image/png", ["data"] = Convert.ToBase64String(png) } }) });
        JsonObject unknown = Request(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "image", ["source"] = new JsonObject { ["type"] = "url", ["url"] = "https://example.com/a.jpg" } }) });
        Assert.InRange(TokenCounter.CountRequest(Body(small)), 200 * 150 / 750, (200 * 150 / 750) + 10);
        Assert.InRange(TokenCounter.CountRequest(Body(unknown)), TokenCounter.DefaultImageTokens, TokenCounter.DefaultImageTokens + 10);
    }

    [Fact]
    public void LargeRequest_IsCountedWithinOnePercentOfTheTokenizer()
    {
        var rng = new Random(7);
        string[] words = ["the", "router", "translates", "requests", "between", "protocols", "函数", "var", "x", "=", "42;", "{", "}", "\n", "Claude", "tokens", "éèà", "fallback"];
        var builder = new StringBuilder();
        var messages = new List<JsonNode>();
        int direct = 0;
        for (int m = 0; m < 40; m++)
        {
            builder.Clear();
            while (builder.Length < 22_000)
            {
                builder.Append(words[rng.Next(words.Length)]).Append(' ');
            }

            string text = builder.ToString();
            direct += Direct(text);
            messages.Add(new JsonObject { ["role"] = m % 2 == 0 ? "user" : "assistant", ["content"] = text });
        }

        Assert.True(direct > 180_000, "the fixture should be about 200k tokens, was " + direct);
        int counted = TokenCounter.CountRequest(Body(Request(messages.ToArray())));
        Assert.InRange(counted, direct, direct * 1.01);
    }

    [Fact]
    public void Estimate_SkipsImageBase64AndSignatures_ButScalesWithText()
    {
        string text = new string('a', 40_000);
        JsonObject body = Request(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(
                new JsonObject { ["type"] = "text", ["text"] = text },
                new JsonObject { ["type"] = "image", ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = "image/png", ["data"] = new string('A', 4_000_000) } }),
        });
        int estimate = TokenCounter.Estimate(Body(body));
        Assert.InRange(estimate, 10_000 + TokenCounter.DefaultImageTokens, 10_000 + TokenCounter.DefaultImageTokens + 20);
    }

    [Fact]
    public void CountRequest_InvalidBody_ThrowsRequestException()
    {
        Assert.Throws<AnthropicRequestException>(() => TokenCounter.CountRequest("[1,2]"u8));
    }
}
