using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Ccr.Core.Tests.Reliability;

/// <summary>
/// Builds hostile inputs from a seed: valid JSON of the wrong shape, wrong types in every known field, invalid UTF-8,
/// deep nesting, huge strings, truncations and byte flips of good bodies, odd paths and header values, and
/// mutated config files. The same seed always builds the same input, so a failure names its seed.
/// </summary>
internal static class FuzzInputs
{
    private static readonly string[] s_fields =
    [
        "model", "messages", "max_tokens", "system", "stream", "temperature", "top_p", "tools", "tool_choice", "thinking", "metadata", "stop_sequences",
        "input", "instructions", "n", "max_output_tokens", "response_format", "reasoning", "content", "role",
    ];

    private static readonly string[] s_configKeys =
    [
        "Providers", "Router", "Presets", "APIKEY", "HOST", "PORT", "LOG", "LOG_LEVEL", "API_TIMEOUT_MS", "PROXY_URL", "NON_INTERACTIVE_MODE",
        "MAX_BODY_BYTES", "name", "api_base_url", "api_key", "models", "transformer", "tier_name", "quota", "default", "tiers", "tierRetries",
        "longContextThreshold", "route", "temperature", "max_tokens", "fallback", "protocol", "plan", "five_hour", "renewal_day",
    ];

    /// <summary>Number of cases for a fuzz test: <c>CCR_FUZZ_CASES</c> scaled by <paramref name="share"/>, default 10,000 total.</summary>
    public static int Cases(double share)
    {
        string? raw = Environment.GetEnvironmentVariable("CCR_FUZZ_CASES");
        int total = int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 10_000;
        return Math.Max(1, (int)(total * share));
    }

    /// <summary>Cases for the live-proxy run: <c>CCR_FUZZ_HTTP_CASES</c>, default 300.</summary>
    public static int HttpCases()
    {
        string? raw = Environment.GetEnvironmentVariable("CCR_FUZZ_HTTP_CASES");
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 300;
    }

    public static byte[] Body(Random rng)
    {
        switch (rng.Next(12))
        {
            case 0:
                return InvalidUtf8(rng);
            case 1:
                return Encoding.UTF8.GetBytes(DeepNesting(rng));
            case 2:
                return Encoding.UTF8.GetBytes(RandomValue(rng, 3).ToJsonString());
            case 3:
                byte[] good = Encoding.UTF8.GetBytes(PlausibleRequest(rng).ToJsonString());
                return good[..rng.Next(good.Length)];
            case 4:
                return Mutate(rng, Encoding.UTF8.GetBytes(PlausibleRequest(rng).ToJsonString()));
            case 5:
                return Encoding.UTF8.GetBytes("{\"model\":\"" + (rng.Next(2) == 0 ? "qwen," : "") + new string('m', rng.Next(1, 200_000)) + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', rng.Next(1, 300_000)) + "\"}]}");
            default:
                return Encoding.UTF8.GetBytes(PlausibleRequest(rng).ToJsonString());
        }
    }

    /// <summary>A request whose top-level keys are right but whose values are often of the wrong type.</summary>
    public static JsonObject PlausibleRequest(Random rng)
    {
        var request = new JsonObject
        {
            ["model"] = rng.Next(3) == 0 ? RandomValue(rng, 1) : Pick(rng, "claude-sonnet-4-5", "qwen,qwen3-coder-plus", "backup,backup-model", "nosuch,model", "", ",", "qwen,", ",x", "claude-3-5-haiku"),
            ["max_tokens"] = rng.Next(3) == 0 ? RandomValue(rng, 1) : rng.Next(-10, 1_000_000),
        };
        var messages = new JsonArray();
        int count = rng.Next(0, 5);
        for (int i = 0; i < count; i++)
        {
            messages.Add(rng.Next(4) == 0 ? RandomValue(rng, 2) : new JsonObject
            {
                ["role"] = rng.Next(4) == 0 ? RandomValue(rng, 1) : Pick(rng, "user", "assistant", "system", "tool", "developer", ""),
                ["content"] = rng.Next(3) == 0 ? RandomValue(rng, 3) : RandomBlocks(rng),
            });
        }

        request["messages"] = rng.Next(8) == 0 ? RandomValue(rng, 2) : messages;
        int extra = rng.Next(0, 5);
        for (int i = 0; i < extra; i++)
        {
            request[s_fields[rng.Next(s_fields.Length)]] = RandomValue(rng, 3);
        }

        return request;
    }

    public static string Path(Random rng)
    {
        string name = rng.Next(4) switch
        {
            0 => new string('p', rng.Next(1, 20_000)),
            1 => Pick(rng, "..", "../..", "..%2F..%2Fx", "%2e%2e", "%2F", "a%00b", "%FF%FE", "coding_qwen", "coding_qwen%2F..%2F", "..\\..\\x", "%252e%252e", "ü", "a b"),
            2 => Uri.EscapeDataString(RandomString(rng, 30)),
            _ => "coding_qwen",
        };
        return rng.Next(10) switch
        {
            0 => "/preset/" + name + "/v1/messages/count_tokens",
            1 => "/v1/messages/" + name,
            2 => "/" + name,
            3 => "/v1//messages",
            4 => "/v1/messages?x=" + name,
            5 => "/V1/MESSAGES",
            6 => "/preset/../../x",
            7 => "/v1/chat/completions",
            _ => "/preset/" + name + "/v1/messages",
        };
    }

    /// <summary>Header lines (name: value) that are legal on the wire but odd in content.</summary>
    public static string[] Headers(Random rng)
    {
        var headers = new List<string> { "anthropic-version: " + Pick(rng, "2023-06-01", "", "banana", new string('9', 2000)) };
        int count = rng.Next(0, 4);
        for (int i = 0; i < count; i++)
        {
            headers.Add(rng.Next(6) switch
            {
                0 => "x-api-key: " + RandomAscii(rng, rng.Next(0, 4000)),
                1 => "Authorization: " + Pick(rng, "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer " + RandomAscii(rng, 100)),
                2 => "anthropic-beta: " + RandomAscii(rng, rng.Next(0, 500)),
                3 => "X-Fuzz-" + i.ToString(CultureInfo.InvariantCulture) + ": " + RandomAscii(rng, rng.Next(0, 6000)),
                4 => "Accept: " + Pick(rng, "text/event-stream", "*/*", "application/json;q=0", ""),
                _ => "x-ccr-preset: " + RandomAscii(rng, 40),
            });
        }

        return headers.ToArray();
    }

    /// <summary>A config text: the seed-shaped full config with wrong types, truncation, byte flips or deep nesting.</summary>
    public static string Config(Random rng, string baseline)
    {
        switch (rng.Next(8))
        {
            case 0:
                return baseline[..rng.Next(baseline.Length)];
            case 1:
                char[] chars = baseline.ToCharArray();
                for (int i = rng.Next(1, 6); i > 0; i--)
                {
                    chars[rng.Next(chars.Length)] = "{}[]\",:/*\\$0a \n"[rng.Next(15)];
                }

                return new string(chars);
            case 2:
                return DeepNesting(rng);
            case 3:
                return RandomValue(rng, 4).ToJsonString();
            default:
                JsonNode root = JsonNode.Parse(baseline, documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
                for (int i = rng.Next(1, 5); i > 0; i--)
                {
                    Replace(rng, root, 0);
                }

                return root.ToJsonString();
        }
    }

    private static void Replace(Random rng, JsonNode node, int depth)
    {
        if (node is JsonObject obj && obj.Count > 0)
        {
            string key = rng.Next(3) == 0 ? s_configKeys[rng.Next(s_configKeys.Length)] : obj.ElementAt(rng.Next(obj.Count)).Key;
            JsonNode? child = obj[key];
            if (child is null || depth > 3 || rng.Next(3) == 0)
            {
                obj[key] = RandomValue(rng, 2);
            }
            else
            {
                Replace(rng, child, depth + 1);
            }
        }
        else if (node is JsonArray array && array.Count > 0)
        {
            int index = rng.Next(array.Count);
            JsonNode? child = array[index];
            if (child is null || rng.Next(3) == 0)
            {
                array[index] = RandomValue(rng, 2);
            }
            else
            {
                Replace(rng, child, depth + 1);
            }
        }
    }

    private static JsonNode RandomBlocks(Random rng)
    {
        var blocks = new JsonArray();
        for (int i = rng.Next(0, 4); i > 0; i--)
        {
            var block = new JsonObject { ["type"] = Pick(rng, "text", "image", "tool_use", "tool_result", "thinking", "document", "bogus", "") };
            for (int j = rng.Next(0, 4); j > 0; j--)
            {
                block[Pick(rng, "text", "source", "id", "name", "input", "tool_use_id", "content", "thinking", "signature", "is_error", "cache_control")] = RandomValue(rng, 2);
            }

            blocks.Add(block);
        }

        return blocks;
    }

    private static JsonNode RandomValue(Random rng, int depth)
    {
        int kind = rng.Next(depth <= 0 ? 6 : 8);
        switch (kind)
        {
            case 0: return JsonValue.Create(rng.Next(int.MinValue, int.MaxValue));
            case 1: return JsonValue.Create(rng.NextDouble() * Math.Pow(10, rng.Next(-5, 300)));
            case 2: return JsonValue.Create(rng.Next(2) == 0);
            case 3: return JsonValue.Create(RandomString(rng, rng.Next(0, 40)));
            case 4: return JsonValue.Create(Pick(rng, "", "${NOPE}", "$HOME", "${", "sk-sp-", "http://", "null", "-1", "1e999", "qwen,qwen3-coder-plus"));
            case 5: return JsonValue.Create(long.MaxValue);
            case 6:
                var array = new JsonArray();
                for (int i = rng.Next(0, 4); i > 0; i--)
                {
                    array.Add(RandomValue(rng, depth - 1));
                }

                return array;
            default:
                var obj = new JsonObject();
                for (int i = rng.Next(0, 4); i > 0; i--)
                {
                    obj[rng.Next(2) == 0 ? s_fields[rng.Next(s_fields.Length)] : RandomString(rng, 6)] = RandomValue(rng, depth - 1);
                }

                return obj;
        }
    }

    private static string DeepNesting(Random rng)
    {
        int depth = rng.Next(64, 20_000);
        string open = rng.Next(2) == 0 ? "[" : "{\"a\":";
        string close = open == "[" ? "]" : "}";
        var text = new StringBuilder(depth * 6);
        text.Append("{\"messages\":");
        for (int i = 0; i < depth; i++)
        {
            text.Append(open);
        }

        text.Append('1');
        for (int i = 0; i < depth; i++)
        {
            text.Append(close);
        }

        return text.Append('}').ToString();
    }

    private static byte[] InvalidUtf8(Random rng)
    {
        byte[] prefix = Encoding.UTF8.GetBytes("{\"model\":\"qwen,qwen3-coder-plus\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"");
        byte[] bad = new byte[rng.Next(1, 16)];
        rng.NextBytes(bad);
        bad[0] = Pick(rng, (byte)0xC0, (byte)0xFF, (byte)0xED, (byte)0x80, (byte)0xF8);
        byte[] suffix = Encoding.UTF8.GetBytes(rng.Next(2) == 0 ? "\"}]}" : "\\ud800\"}]}");
        return [.. prefix, .. bad, .. suffix];
    }

    private static byte[] Mutate(Random rng, byte[] body)
    {
        for (int i = rng.Next(1, 6); i > 0; i--)
        {
            body[rng.Next(body.Length)] = rng.Next(3) == 0 ? (byte)rng.Next(256) : (byte)"{}[]\",:0a \\"[rng.Next(11)];
        }

        return body;
    }

    private static string RandomString(Random rng, int length)
    {
        var text = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            text.Append(rng.Next(5) switch
            {
                0 => (char)rng.Next(0, 32),
                1 => (char)rng.Next(0x80, 0xD7FF),
                2 => Pick(rng, '"', '\\', '/', '$', '{', '}', ',', '\u2028'),
                _ => (char)rng.Next('a', 'z' + 1),
            });
        }

        return text.ToString();
    }

    private static string RandomAscii(Random rng, int length)
    {
        var text = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            text.Append((char)rng.Next(0x21, 0x7F));
        }

        return text.ToString();
    }

    private static T Pick<T>(Random rng, params T[] items) => items[rng.Next(items.Length)];
}
