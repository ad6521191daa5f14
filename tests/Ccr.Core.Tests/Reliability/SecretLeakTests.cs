using System.Reflection;
using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Tests.Server;
using FakeUpstream;

namespace Ccr.Core.Tests.Reliability;

/// <summary>
/// A full run with a distinctive fake key (successes, upstream errors that echo the key back, every tier down,
/// a wrong local APIKEY, debug logging), then every response, log file, state file and config diagnostic is searched for it.
/// </summary>
public class SecretLeakTests
{
    private const string LocalApiKey = "local-RELIABILITY-APIKEY-93ab51";

    [Fact]
    public async Task FullRun_NeverShowsTheKeyInResponsesLogsStateOrDiagnostics()
    {
        string key = ReliabilityConfigs.FakeKey;
        string extra = ", \"APIKEY\": \"" + LocalApiKey + "\", \"LOG_LEVEL\": \"debug\", \"LOG_BODIES\": true";
        string echo = "{\"error\":{\"message\":\"Incorrect API key provided: " + key + ". Header was Bearer " + key + "\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}";
        int call = 0;
        await using ProxyFixture f = await ProxyFixture.StartAsync(ReliabilityConfigs.ThreeTiers(apiTimeoutMs: 500, extra), u => u.Handle(r =>
        {
            int n = Interlocked.Increment(ref call);
            return (n % 5) switch
            {
                0 => FakeReply.Status(401, echo),
                1 => FakeReply.Status(500, echo),
                2 => FakeReply.Garbage("<html>bad key " + key + "</html>", 502),
                3 => FakeReply.Status(400, echo),
                _ => FakeReply.Text("fine"),
            };
        }));
        var seen = new StringBuilder();
        (string Name, string Value) auth = ("x-api-key", LocalApiKey);
        string[] bodies =
        [
            """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""",
            """{"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]}""",
            """{"model":"flaky,flaky-model","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""",
            """{"model":"healthy,healthy-model","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""",
            """{"model": """,
        ];

        for (int i = 0; i < 30; i++)
        {
            using HttpResponseMessage response = await f.PostAsync("/v1/messages", bodies[i % bodies.Length], auth);
            seen.Append(response.Headers).Append(await response.Content.ReadAsStringAsync()).Append('\n');
        }

        using (HttpResponseMessage wrong = await f.PostAsync("/v1/messages", bodies[0], ("x-api-key", "local-RELIABILITY-APIKEY-93ab5X")))
        {
            seen.Append(await wrong.Content.ReadAsStringAsync());
        }

        foreach (string path in new[] { "/health", "/metrics", "/v1/models", "/ccr/tiers" })
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, path);
            get.Headers.TryAddWithoutValidation("x-api-key", LocalApiKey);
            using HttpResponseMessage response = await f.Client.SendAsync(get);
            seen.Append(path).Append(' ').Append((int)response.StatusCode).Append(' ').Append(await response.Content.ReadAsStringAsync()).Append('\n');
        }

        string responses = seen.ToString();
        string log = await f.ReadLogAsync();
        var leaks = new List<string>();
        Check("responses", responses);
        Check("log", log);
        foreach (string file in Directory.GetFiles(f.Folder, "*", SearchOption.AllDirectories))
        {
            if (file != f.ConfigPath)
            {
                Check(Path.GetRelativePath(f.Folder, file), ReadShared(file));
            }
        }

        ConfigLoadResult loaded = ConfigLoader.Load(f.ConfigPath);
        foreach (ConfigDiagnostic d in loaded.Diagnostics)
        {
            Check("diagnostic " + d.Code, d.ToString() + d.Message);
        }

        foreach (ProviderConfig provider in loaded.Config!.Providers)
        {
            Check("ProviderConfig.ToString", provider.ToString() ?? "");
            foreach (PropertyInfo property in typeof(ProviderConfig).GetProperties())
            {
                if (property.Name is not (nameof(ProviderConfig.ApiKey) or nameof(ProviderConfig.ApiKeyTemplate)))
                {
                    Check("ProviderConfig." + property.Name, Convert.ToString(property.GetValue(provider), System.Globalization.CultureInfo.InvariantCulture) ?? "");
                }
            }
        }

        Assert.True(leaks.Count == 0, "key leaked in: " + string.Join(", ", leaks));
        Assert.Contains("…", log + responses, StringComparison.Ordinal); // hints are shown instead, e.g. sk-sp-…1d
        Assert.True(responses.Length > 1000 && log.Length > 1000, "the run produced too little to search");

        void Check(string where, string text)
        {
            if (text.Contains(key, StringComparison.Ordinal) || text.Contains(LocalApiKey, StringComparison.Ordinal)
                || text.Contains("RELIABILITY-SECRET", StringComparison.Ordinal) || text.Contains("RELIABILITY-APIKEY", StringComparison.Ordinal))
            {
                leaks.Add(where);
            }
        }
    }

    private static string ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
