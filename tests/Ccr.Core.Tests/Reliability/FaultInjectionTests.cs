using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Ccr.Core.Tests.Server;
using FakeUpstream;

namespace Ccr.Core.Tests.Reliability;

/// <summary>
/// Tier 0 fails a seeded random share of requests with every fault the fake upstream knows; the proxy falls back
/// before the first byte, so the client never sees a failure, and the decision log accounts for every attempt.
/// </summary>
public class FaultInjectionTests
{
    private const string Body = """{"model":"claude-sonnet-4-5","max_tokens":50,"messages":[{"role":"user","content":"Hello"}]}""";
    private const string StreamBody = """{"model":"claude-sonnet-4-5","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"Hello"}]}""";

    /// <summary>
    /// Faults that end an attempt before any byte of the answer, so fallback must hide them. Quota errors
    /// (QuotaExceeded, a 1308 inside a 200) are not here: they take the tier out until its window resets, so tier 0
    /// would stop failing at random; Server/QuotaFlowTests shows fallback hiding them.
    /// </summary>
    internal static FakeReply[] PreFirstByteFaults { get; } =
    [
        FakeReply.ServerError(500),
        FakeReply.ServerError(503),
        FakeReply.RateLimited(),
        FakeReply.RateLimited(retryAfterSeconds: 1),
        FakeReply.Hang(),
        FakeReply.SlowFirstByte(TimeSpan.FromSeconds(5), FakeReply.Text("too late")),
        FakeReply.Garbage(),
        FakeReply.Garbage("<html><body>Service Unavailable</body></html>", 503),
        FakeReply.Garbage("{\"choices\": [", 200),
        FakeReply.ConnectionReset(),
        FakeReply.CutMidStream(0),
    ];

    /// <summary>
    /// The fault for <paramref name="kind"/>, adjusted to the request: a cut right after the stream's prelude is
    /// already past the first byte for a streaming client, so streaming requests get a reset instead.
    /// </summary>
    internal static FakeReply FaultFor(int kind, RecordedRequest request)
    {
        FakeReply fault = PreFirstByteFaults[kind % PreFirstByteFaults.Length];
        bool streaming = request.Stream;
        return streaming && kind % PreFirstByteFaults.Length == PreFirstByteFaults.Length - 1 ? FakeReply.ConnectionReset() : fault;
    }

    [Fact]
    public async Task Tier0Failing30Percent_AThousandRequestsAllSucceed_AndTheLogAccountsForEveryAttempt()
    {
        var rng = new Random(20260806);
        var faults = new ConcurrentDictionary<int, int>();
        await using ProxyFixture f = await ProxyFixture.StartAsync(ReliabilityConfigs.ThreeTiers(apiTimeoutMs: 800), u => u.Handle(r =>
        {
            if (r.Model != "flaky-model")
            {
                return FakeReply.Text("healthy answer");
            }

            int roll;
            lock (rng)
            {
                roll = rng.Next(100);
            }

            if (roll >= 30)
            {
                return roll < 33 ? FakeReply.Huge(256 * 1024) : FakeReply.Text("flaky answer");
            }

            int kind = roll % PreFirstByteFaults.Length;
            faults.AddOrUpdate(kind, 1, (_, n) => n + 1);
            return FaultFor(kind, r);
        }));
        var ids = new ConcurrentBag<string>();
        var failures = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();

        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            bool stream = i % 4 == 0;
            using HttpResponseMessage response = await f.PostAsync("/v1/messages", stream ? StreamBody : Body);
            string text = await response.Content.ReadAsStringAsync(ct);
            ids.Add(response.Headers.TryGetValues("request-id", out IEnumerable<string>? v) ? v.First() : "?");
            bool ok = response.StatusCode == HttpStatusCode.OK && (stream
                ? text.Contains("event: message_stop", StringComparison.Ordinal) && !text.Contains("event: error", StringComparison.Ordinal)
                : text.Contains("\"type\":\"message\"", StringComparison.Ordinal));
            if (!ok)
            {
                failures.Add(i + ": " + (int)response.StatusCode + " " + text[..Math.Min(300, text.Length)]);
            }
        });
        clock.Stop();

        Assert.True(failures.IsEmpty, failures.Count + " lost requests, e.g. " + string.Join(" | ", failures.Take(3)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), "1,000 requests took " + clock.Elapsed);
        Assert.True(faults.Count >= PreFirstByteFaults.Length - 2, "fault kinds exercised: " + faults.Count);

        List<JsonElement> attempts = await AttemptsAsync(f);
        var byRequest = attempts.GroupBy(a => a.GetProperty("request_id").GetString()).ToDictionary(g => g.Key!, g => g.ToList());
        foreach (string id in ids)
        {
            Assert.True(byRequest.TryGetValue(id, out List<JsonElement>? mine), "no attempt logged for " + id);
            Assert.Single(mine, a => a.GetProperty("outcome").GetString() == "ok");
        }

        int sentUpstream = attempts.Count(a => a.GetProperty("provider").GetString() is "flaky" or "healthy"
            && !a.GetProperty("outcome").GetString()!.StartsWith("skipped", StringComparison.Ordinal));
        Assert.Equal(f.Upstream.Requests.Count, sentUpstream);
        using HttpResponseMessage health = await f.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task EveryTierDown_ClientGetsOneCleanAnthropicErrorQuickly_AndTheProxyStaysHealthy()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ReliabilityConfigs.ThreeTiers(apiTimeoutMs: 800), u => u.ScriptDefault(FakeReply.ServerError(503)));

        for (int i = 0; i < 20; i++)
        {
            var clock = Stopwatch.StartNew();
            using HttpResponseMessage response = await f.PostAsync("/v1/messages", i % 2 == 0 ? Body : StreamBody);
            string text = await response.Content.ReadAsStringAsync();
            clock.Stop();

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "took " + clock.Elapsed);
            Assert.True((int)response.StatusCode >= 500, text);
            using JsonDocument error = JsonDocument.Parse(text);
            Assert.Equal("error", error.RootElement.GetProperty("type").GetString());
            Assert.False(string.IsNullOrWhiteSpace(error.RootElement.GetProperty("error").GetProperty("message").GetString()));
            Assert.DoesNotContain(ReliabilityConfigs.FakeKey, text, StringComparison.Ordinal);
        }

        using HttpResponseMessage health = await f.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task EveryTierHanging_AnswersWithinTheTimeoutBudget()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ReliabilityConfigs.ThreeTiers(apiTimeoutMs: 300), u => u.ScriptDefault(FakeReply.Hang()));

        var clock = Stopwatch.StartNew();
        using HttpResponseMessage response = await f.PostAsync("/v1/messages", Body);
        string text = await response.Content.ReadAsStringAsync();
        clock.Stop();

        // tier 0 twice, tier 2 once (tier 1 refuses at once): about 3 x 300 ms.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "took " + clock.Elapsed);
        Assert.True((int)response.StatusCode >= 500, text);
        Assert.Contains("\"type\":\"error\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CutAfterTheFirstByte_EndsTheStreamWithAnErrorEvent_AndIsLogged()
    {
        await using ProxyFixture f = await ProxyFixture.StartAsync(ReliabilityConfigs.ThreeTiers(), u =>
        {
            u.Script("flaky-model", FakeReply.CutMidStream(3));
            u.Script("healthy-model", FakeReply.Text("healthy"));
        });

        using HttpResponseMessage response = await f.PostAsync("/v1/messages", StreamBody);
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("event: error", text, StringComparison.Ordinal);
        Assert.DoesNotContain("event: message_stop", text, StringComparison.Ordinal);
        Assert.Equal(0, f.Upstream.CountFor("healthy-model"));
        Assert.Contains(await AttemptsAsync(f), a => a.GetProperty("provider").GetString() == "flaky" && a.GetProperty("outcome").GetString() != "ok");
    }

    internal static async Task<List<JsonElement>> AttemptsAsync(ProxyFixture f)
    {
        string log = await f.ReadLogAsync();
        var attempts = new List<JsonElement>();
        foreach (string line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using JsonDocument entry = JsonDocument.Parse(line);
            if (entry.RootElement.TryGetProperty("event", out JsonElement e) && e.GetString() == "attempt")
            {
                attempts.Add(entry.RootElement.Clone());
            }
        }

        return attempts;
    }
}
