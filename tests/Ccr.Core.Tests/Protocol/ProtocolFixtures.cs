using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ccr.Core.Config;

namespace Ccr.Core.Tests.Protocol;

/// <summary>Loads golden fixtures and builds the config objects they describe.</summary>
internal static class ProtocolFixtures
{
    public static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Dir(string kind) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Protocol", kind);

    public static IEnumerable<object[]> Names(string kind) =>
        Directory.EnumerateFiles(Dir(kind), "*.json").Select(f => new object[] { Path.GetFileNameWithoutExtension(f) }).OrderBy(o => (string)o[0], StringComparer.Ordinal);

    public static JsonObject Load(string kind, string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Dir(kind), name + ".json")), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();

    public static byte[] Bytes(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node);

    public static ProviderConfig Provider(JsonNode? node)
    {
        node ??= new JsonObject();
        string url = (string?)node["api_base_url"] ?? "https://api.example.com/v1";
        string protocol = (string?)node["protocol"] ?? "openai";
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (node["headers"] is JsonObject h)
        {
            foreach (KeyValuePair<string, JsonNode?> pair in h)
            {
                headers[pair.Key] = (string)pair.Value!;
            }
        }

        return new ProviderConfig
        {
            Name = (string?)node["name"] ?? "test",
            ApiBaseUrl = url,
            Endpoint = new Uri(url.TrimEnd('/') + (protocol == "anthropic" ? "/v1/messages" : "/chat/completions")),
            Protocol = protocol == "anthropic" ? WireProtocol.Anthropic : WireProtocol.OpenAI,
            ApiKey = (string?)node["api_key"] ?? "sk-test-key-0123456789",
            Transformers = node["transformers"] is JsonArray t ? t.Select(x => (string)x!).ToList() : new List<string>(),
            MaxTokensCap = (int?)node["max_tokens_cap"],
            Headers = headers,
        };
    }

    /// <summary>Compares semantically; on mismatch, optionally rewrites the fixture (CCR_REGEN_FIXTURES=1, for review in git diff) and fails with both sides.</summary>
    public static void AssertMatches(string kind, string name, JsonObject fixture, string key, JsonNode? actual)
    {
        JsonNode? expected = fixture[key];
        if (JsonNode.DeepEquals(expected, actual))
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("CCR_REGEN_FIXTURES") == "1")
        {
            string source = Path.Combine(FindRepoRoot(), "tests", "Ccr.Core.Tests", "Fixtures", "Protocol", kind, name + ".json");
            fixture[key] = actual?.DeepClone();
            File.WriteAllText(source, fixture.ToJsonString(Pretty) + "\n");
        }

        Assert.Fail(name + ": expected\n" + expected?.ToJsonString(Pretty) + "\nactual\n" + actual?.ToJsonString(Pretty));
    }

    public static JsonNode? Parse(ArrayBufferWriter<byte> output) => JsonNode.Parse(output.WrittenSpan);

    private static string FindRepoRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Directory.Packages.props")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("repo root not found");
    }
}
