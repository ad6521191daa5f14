using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ccr.Core.Protocol;
using Ccr.Core.Providers;
using FsCheck.Xunit;
using Ccr.Core.Tests.Routing;

namespace Ccr.Core.Tests.Protocol;

/// <summary>FsCheck drives the seeds (and shrinks failures to the smallest seed); each seed builds one random case.</summary>
public class ProtocolPropertyTests
{
    private static readonly string[] s_hosts =
    [
        "https://coding-intl.dashscope.aliyuncs.com/v1", "https://api.deepseek.com", "https://api.z.ai/api/paas/v4",
        "https://api.minimax.io/v1", "https://openrouter.ai/api/v1", "http://127.0.0.1:9/v1",
    ];

    [Property(MaxTest = 300)]
    public bool RandomAnthropicRequests_TranslateToValidOpenAIRequests(int seed)
    {
        var rng = new Random(seed);
        JsonObject request = RandomRequest(rng);
        byte[] body = Encoding.UTF8.GetBytes(request.ToJsonString());
        string host = s_hosts[rng.Next(s_hosts.Length)];
        ProviderProfile profile = ProviderProfile.For(ProtocolFixtures.Provider(new JsonObject { ["api_base_url"] = host }));

        RequestFacts facts = RequestFacts.Read(body);
        Assert.True(facts.HasMessages);

        var output = new ArrayBufferWriter<byte>();
        AnthropicToOpenAIRequest.Write(body, new RequestOverrides { Model = "m", StripSubagentTag = true }, profile, output);
        JsonObject translated = JsonNode.Parse(output.WrittenSpan)!.AsObject();
        Assert.Equal("m", (string?)translated["model"]);
        JsonArray messages = translated["messages"]!.AsArray();
        var pending = new HashSet<string>();
        for (int i = 0; i < messages.Count; i++)
        {
            JsonNode message = messages[i]!;
            string role = (string)message["role"]!;
            Assert.Contains(role, new[] { "system", "user", "assistant", "tool" });
            if (role == "system")
            {
                Assert.Equal(0, i);
            }

            if (role == "tool")
            {
                Assert.True(pending.Remove((string)message["tool_call_id"]!), "tool message without a preceding call at " + i);
                continue;
            }

            Assert.Empty(pending);
            if (message["tool_calls"] is JsonArray calls)
            {
                foreach (JsonNode? call in calls)
                {
                    Assert.Equal("function", (string?)call!["type"]);
                    using JsonDocument args = JsonDocument.Parse((string)call["function"]!["arguments"]!);
                    Assert.Equal(JsonValueKind.Object, args.RootElement.ValueKind);
                    Assert.True(pending.Add((string)call["id"]!));
                }
            }
        }

        Assert.Empty(pending);
        if (translated["tools"] is JsonArray tools)
        {
            Assert.All(tools, t => Assert.Equal("function", (string?)t!["type"]));
        }

        return true;
    }

    [Property(MaxTest = 300)]
    public bool RandomChunkSequences_NeverThrowAfterOutput_AndStayWellFormed(int seed)
    {
        var rng = new Random(seed);
        var translator = new OpenAIToAnthropicStream("p,m", rng.Next(0, 1000), TestProviders.Generic);
        var output = new ArrayBufferWriter<byte>();
        int count = rng.Next(0, 25);
        bool failedEarly = false;
        for (int i = 0; i < count; i++)
        {
            byte[] chunk = Encoding.UTF8.GetBytes(RandomChunk(rng));
            try
            {
                translator.Translate(chunk, output);
            }
            catch (UpstreamProtocolException)
            {
                Assert.False(translator.HasOutput, "threw after output started");
                Assert.Equal(0, output.WrittenCount);
                failedEarly = true;
                break;
            }
        }

        if (failedEarly)
        {
            return true;
        }

        if (rng.Next(4) == 0)
        {
            translator.Fail(new AnthropicError(500, "api_error", "cut"), output);
        }

        translator.Complete(output);
        List<(string Event, JsonNode Data)> events = StreamHarness.ParseEvents(output.WrittenSpan.ToArray());
        StreamHarness.AssertWellFormed(events, expectError: events.Count > 0 && events[^1].Event == "error");
        return true;
    }

    [Property(MaxTest = 300)]
    public bool MutatedBodies_EitherParseOrGiveA400(int seed)
    {
        var rng = new Random(seed);
        byte[] body = Encoding.UTF8.GetBytes(RandomRequest(rng).ToJsonString());
        int mutations = rng.Next(1, 4);
        for (int i = 0; i < mutations; i++)
        {
            body[rng.Next(body.Length)] = (byte)"{}[]\",:0a \\"[rng.Next(11)];
        }

        try
        {
            RequestFacts.Read(body);
        }
        catch (AnthropicRequestException e)
        {
            Assert.Equal(400, e.Error.Status);
        }

        ProviderProfile profile = ProviderProfile.For(ProtocolFixtures.Provider(null));
        try
        {
            AnthropicToOpenAIRequest.Write(body, new RequestOverrides { Model = "m" }, profile, new ArrayBufferWriter<byte>());
        }
        catch (AnthropicRequestException)
        {
        }

        try
        {
            OpenAIToAnthropicResponse.Write(body, "p,m", new ArrayBufferWriter<byte>(), TestProviders.Generic);
        }
        catch (UpstreamProtocolException)
        {
        }

        return true;
    }

    private static JsonObject RandomRequest(Random rng)
    {
        var messages = new JsonArray();
        var openIds = new List<string>();
        int turns = rng.Next(1, 8);
        int id = 0;
        for (int t = 0; t < turns; t++)
        {
            bool assistant = rng.Next(2) == 0;
            if (!assistant || rng.Next(5) == 0)
            {
                var blocks = new JsonArray();
                if (openIds.Count > 0 && rng.Next(4) != 0)
                {
                    foreach (string open in openIds)
                    {
                        if (rng.Next(6) == 0)
                        {
                            continue; // leave a call unanswered
                        }

                        blocks.Add(new JsonObject
                        {
                            ["type"] = "tool_result",
                            ["tool_use_id"] = open,
                            ["is_error"] = rng.Next(3) == 0,
                            ["content"] = rng.Next(2) == 0 ? RandomText(rng) : new JsonArray(new JsonObject { ["type"] = "text", ["text"] = RandomText(rng) }),
                        });
                    }
                }

                if (rng.Next(8) == 0)
                {
                    blocks.Add(new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = "ghost" + rng.Next(), ["content"] = "x" });
                }

                openIds.Clear();
                if (blocks.Count == 0 || rng.Next(2) == 0)
                {
                    blocks.Add(new JsonObject { ["type"] = "text", ["text"] = RandomText(rng), ["cache_control"] = new JsonObject { ["type"] = "ephemeral" } });
                }

                if (rng.Next(6) == 0)
                {
                    blocks.Add(new JsonObject { ["type"] = "image", ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = "image/png", ["data"] = "iVBORw0KGgo=" } });
                }

                messages.Add(new JsonObject { ["role"] = "user", ["content"] = rng.Next(4) == 0 ? RandomText(rng) : blocks });
            }
            else
            {
                var blocks = new JsonArray();
                openIds.Clear();
                if (rng.Next(3) == 0)
                {
                    blocks.Add(new JsonObject { ["type"] = "thinking", ["thinking"] = RandomText(rng), ["signature"] = "sig" });
                }

                if (rng.Next(2) == 0)
                {
                    blocks.Add(new JsonObject { ["type"] = "text", ["text"] = RandomText(rng) });
                }

                int calls = rng.Next(0, 3);
                for (int c = 0; c < calls; c++)
                {
                    string callId = "toolu_" + id++;
                    openIds.Add(callId);
                    blocks.Add(new JsonObject { ["type"] = "tool_use", ["id"] = callId, ["name"] = "tool" + c, ["input"] = new JsonObject { ["q"] = RandomText(rng), ["n"] = rng.Next() } });
                }

                if (rng.Next(8) == 0)
                {
                    blocks.Add(new JsonObject { ["type"] = "redacted_thinking", ["data"] = "xx" });
                }

                messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = blocks.Count == 0 ? "ok" : blocks });
            }
        }

        var request = new JsonObject { ["model"] = "claude-sonnet-4-5", ["max_tokens"] = rng.Next(1, 200_000), ["messages"] = messages };
        if (rng.Next(2) == 0)
        {
            request["system"] = rng.Next(2) == 0
                ? "<CCR-SUBAGENT-MODEL>a,b</CCR-SUBAGENT-MODEL>" + RandomText(rng)
                : new JsonArray(new JsonObject { ["type"] = "text", ["text"] = RandomText(rng) });
        }

        if (rng.Next(2) == 0)
        {
            request["tools"] = new JsonArray(
                new JsonObject { ["name"] = "tool0", ["input_schema"] = new JsonObject { ["type"] = "object" } },
                new JsonObject { ["type"] = "web_search_20250305", ["name"] = "web_search" });
            request["tool_choice"] = new JsonObject { ["type"] = new[] { "auto", "any", "none", "tool" }[rng.Next(4)], ["name"] = "tool0" };
        }

        if (rng.Next(3) == 0)
        {
            request["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = rng.Next(1024, 32000) };
        }

        if (rng.Next(2) == 0)
        {
            request["temperature"] = rng.NextDouble();
            request["stream"] = rng.Next(2) == 0;
        }

        return request;
    }

    private static string RandomText(Random rng)
    {
        string[] pieces = ["hello", "世界", "\"quote\"", "\\", "\n", "emoji 🎉", "</think>", "{\"json\":1}", "", "tab\t"];
        var builder = new StringBuilder();
        int n = rng.Next(0, 5);
        for (int i = 0; i < n; i++)
        {
            builder.Append(pieces[rng.Next(pieces.Length)]);
        }

        return builder.ToString();
    }

    private static string RandomChunk(Random rng)
    {
        JsonObject Choice(JsonObject delta, string? finish = null) => new()
        {
            ["id"] = "c",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };

        int index = rng.Next(0, 3);
        return rng.Next(12) switch
        {
            0 => Choice(new JsonObject { ["content"] = RandomText(rng) }).ToJsonString(),
            1 => Choice(new JsonObject { ["reasoning_content"] = RandomText(rng) }).ToJsonString(),
            2 => Choice(new JsonObject
            {
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["index"] = index,
                    ["id"] = rng.Next(2) == 0 ? "call_" + index : null,
                    ["function"] = new JsonObject { ["name"] = rng.Next(2) == 0 ? "f" + index : null, ["arguments"] = "{\"a\":" },
                }),
            }).ToJsonString(),
            3 => Choice(new JsonObject { ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = index, ["function"] = new JsonObject { ["arguments"] = "1}" } }) }).ToJsonString(),
            4 => Choice(new JsonObject(), new[] { "stop", "length", "tool_calls", "content_filter", "weird" }[rng.Next(5)]).ToJsonString(),
            5 => "{\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":" + rng.Next(100) + ",\"completion_tokens\":" + rng.Next(100) + "}}",
            6 => "{\"id\":\"c\",\"choices\":[{\"delta\":{\"con",
            7 => "{\"error\":{\"message\":\"boom\",\"code\":\"1302\"}}",
            8 => "[DONE]",
            9 => rng.Next(3) switch
            {
                0 => "[1,2,3]",
                1 => "null",
                _ => "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lone \\ud800 surrogate\"}}]}",
            },
            10 => Choice(new JsonObject { ["reasoning_details"] = new JsonArray(new JsonObject { ["text"] = RandomText(rng) }), ["content"] = null }).ToJsonString(),
            _ => "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"function\":{\"arguments\":\"x\"}}]}}]}",
        };
    }
}
