using System.Text;
using System.Text.Json;

namespace Ccr.Bench.Scenarios;

/// <summary>Request bodies, the same content in Anthropic form (proxies) and OpenAI form (the mock).</summary>
internal static class Payloads
{
    private const string Model = "mock,m";

    private static readonly string s_prose = BuildProse(1700);

    public static string Small(bool anthropic, bool stream = false) => anthropic
        ? Json(new Dictionary<string, object> { ["model"] = Model, ["max_tokens"] = 256, ["stream"] = stream, ["messages"] = new[] { Msg("user", "Say hello.") } })
        : Json(new Dictionary<string, object> { ["model"] = "m", ["max_tokens"] = 256, ["stream"] = stream, ["messages"] = new[] { Msg("user", "Say hello.") } });

    /// <summary>About 2 KB: a system prompt, a short exchange and a longer user turn.</summary>
    public static string Large(bool anthropic)
    {
        const string system = "You are a careful coding assistant. Answer briefly and show code when it helps.";
        object[] turns = [Msg("user", "What does this function do?"), Msg("assistant", "It parses the config and validates it."), Msg("user", s_prose)];
        return anthropic
            ? Json(new Dictionary<string, object> { ["model"] = Model, ["max_tokens"] = 1024, ["stream"] = false, ["system"] = system, ["temperature"] = 0.2, ["messages"] = turns })
            : Json(new Dictionary<string, object> { ["model"] = "m", ["max_tokens"] = 1024, ["stream"] = false, ["temperature"] = 0.2, ["messages"] = new object[] { Msg("system", system) }.Concat(turns).ToArray() });
    }

    /// <summary>A ~<paramref name="approximateTokens"/>-token request; a different <paramref name="salt"/> makes a body no cache has seen.</summary>
    public static string CountTokens(int approximateTokens, int salt = 0) => Json(new Dictionary<string, object>
    {
        ["model"] = Model,
        ["messages"] = new[] { Msg("user", "sample " + salt.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": " + BuildProse(approximateTokens * 22 / 5)) },
    });

    /// <summary>A ~<paramref name="approximateTokens"/>-token request of made-up words that differ with <paramref name="salt"/>: nothing a cache has seen.</summary>
    public static string CountTokensNewWords(int approximateTokens, int salt)
    {
        string[] syllables = ["ka", "lo", "mi", "ten", "dra", "vus", "pel", "qui", "zor", "bat", "nef", "gry", "sol", "wex", "jam", "ruk", "ost", "ple", "fin", "yab"];
        var random = new Random(salt);
        var sb = new StringBuilder(approximateTokens * 6);
        sb.Append("sample ").Append(salt.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(':');

        // Four syllables and a salted letter per word: about five tokens, and a word no other sample uses.
        for (int tokens = 0; tokens < approximateTokens; tokens += 5)
        {
            sb.Append(' ');
            for (int s = 0; s < 4; s++)
            {
                sb.Append(syllables[random.Next(syllables.Length)]);
            }

            sb.Append((char)('a' + (salt % 26)));
        }

        return Json(new Dictionary<string, object> { ["model"] = Model, ["messages"] = new[] { Msg("user", sb.ToString()) } });
    }

    private static Dictionary<string, string> Msg(string role, string content) => new() { ["role"] = role, ["content"] = content };

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static string BuildProse(int chars)
    {
        string[] words = ["the", "code", "runs", "when", "a", "user", "asks", "for", "new", "data", "and", "it", "will", "send", "one", "more", "line", "to", "each", "file", "we", "read", "from", "disk", "then", "write", "back"];
        var random = new Random(42);
        var sb = new StringBuilder(chars + 16);
        while (sb.Length < chars)
        {
            sb.Append(words[random.Next(words.Length)]);
            sb.Append(sb.Length % 97 < 6 ? ". " : " ");
        }

        return sb.ToString();
    }
}
