using System.Globalization;
using System.Text;
using Ccr.Core.Telemetry;

namespace Ccr.Core.Tests.Telemetry;

public sealed class CcrMetricsTests
{
    [Fact]
    public void Render_CountsRequestsAttemptsAndFallbacksByLabel()
    {
        using var metrics = new CcrMetrics();
        metrics.RecordRequest("/v1/messages", 200);
        metrics.RecordRequest("/v1/messages", 200);
        metrics.RecordRequest("/v1/messages", 429);
        metrics.RecordAttempt("qwen", "ccr-qwen", "retry");
        metrics.RecordAttempt("qwen", "ccr-qwen", "fallback");
        metrics.RecordAttempt("glm", null, "ok");
        metrics.RecordFailure("qwen", "ccr-qwen", "overloaded_error");
        metrics.RecordFallback("qwen", "glm");
        metrics.RecordRetry("qwen", "ccr-qwen");
        metrics.RecordRateLimited("qwen", "ccr-qwen");
        metrics.RecordQuotaSkip("qwen", "ccr-qwen");

        Exposition parsed = Exposition.Parse(metrics.RenderPrometheus());

        Assert.Equal(2, parsed.Value("ccr_requests_total", ("endpoint", "/v1/messages"), ("status", "200")));
        Assert.Equal(1, parsed.Value("ccr_requests_total", ("endpoint", "/v1/messages"), ("status", "429")));
        Assert.Equal(1, parsed.Value("ccr_upstream_attempts_total", ("provider", "qwen"), ("tier_name", "ccr-qwen"), ("outcome", "retry")));
        Assert.Equal(1, parsed.Value("ccr_upstream_attempts_total", ("provider", "glm"), ("tier_name", ""), ("outcome", "ok")));
        Assert.Equal(1, parsed.Value("ccr_upstream_failures_total", ("provider", "qwen"), ("tier_name", "ccr-qwen"), ("error_type", "overloaded_error")));
        Assert.Equal(1, parsed.Value("ccr_fallbacks_total", ("from", "qwen"), ("to", "glm")));
        Assert.Equal(1, parsed.Value("ccr_retries_total", ("provider", "qwen"), ("tier_name", "ccr-qwen")));
        Assert.Equal(1, parsed.Value("ccr_rate_limit_hits_total", ("provider", "qwen"), ("tier_name", "ccr-qwen")));
        Assert.Equal(1, parsed.Value("ccr_quota_skips_total", ("provider", "qwen"), ("tier_name", "ccr-qwen")));
        Assert.Equal(3, metrics.RequestsServed);

        foreach (string family in new[] { "ccr_requests_total", "ccr_upstream_attempts_total", "ccr_upstream_failures_total", "ccr_fallbacks_total", "ccr_retries_total", "ccr_rate_limit_hits_total", "ccr_quota_skips_total" })
        {
            Assert.Equal("counter", parsed.Types[family]);
            Assert.True(parsed.Helps.ContainsKey(family), family + " has no HELP");
        }
    }

    [Fact]
    public void Render_HistogramBucketsAreCumulativeWithSumAndCount()
    {
        using var metrics = new CcrMetrics();
        double[] latenciesMs = [0.5, 3, 40, 40, 700, 1_500, 90_000, 200_000];
        foreach (double ms in latenciesMs)
        {
            metrics.RecordLatency("qwen", "ccr-qwen", ms);
        }

        Exposition parsed = Exposition.Parse(metrics.RenderPrometheus());
        Assert.Equal("histogram", parsed.Types["ccr_upstream_latency_seconds"]);

        List<(double Le, double Count)> buckets = parsed.Samples
            .Where(s => s.Name == "ccr_upstream_latency_seconds_bucket" && s.Labels["provider"] == "qwen" && s.Labels["tier_name"] == "ccr-qwen")
            .Select(s => (s.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(s.Labels["le"], CultureInfo.InvariantCulture), s.Value))
            .ToList();
        Assert.Equal(buckets.OrderBy(b => b.Le).ToList(), buckets);
        Assert.Equal(0.001, buckets[0].Le);
        Assert.Equal(120, buckets[^2].Le);
        for (int i = 1; i < buckets.Count; i++)
        {
            Assert.True(buckets[i].Count >= buckets[i - 1].Count, "buckets must be cumulative");
        }

        Assert.Equal(1, buckets.Single(b => b.Le == 0.001).Count);
        Assert.Equal(2, buckets.Single(b => b.Le == 0.005).Count);
        Assert.Equal(4, buckets.Single(b => b.Le == 0.05).Count);
        Assert.Equal(7, buckets.Single(b => b.Le == 120).Count);
        Assert.Equal(8, buckets[^1].Count);
        Assert.Equal(8, parsed.Value("ccr_upstream_latency_seconds_count", ("provider", "qwen"), ("tier_name", "ccr-qwen")));
        Assert.Equal(latenciesMs.Sum() / 1000, parsed.Value("ccr_upstream_latency_seconds_sum", ("provider", "qwen"), ("tier_name", "ccr-qwen")), 6);
    }

    [Fact]
    public void ActiveStreams_IsAGaugeThatGoesUpAndDown()
    {
        using var metrics = new CcrMetrics();
        Assert.Equal(0, Exposition.Parse(metrics.RenderPrometheus()).Value("ccr_active_streams"));
        metrics.StreamStarted();
        metrics.StreamStarted();
        metrics.StreamEnded();

        Exposition parsed = Exposition.Parse(metrics.RenderPrometheus());
        Assert.Equal("gauge", parsed.Types["ccr_active_streams"]);
        Assert.Equal(1, parsed.Value("ccr_active_streams"));
        Assert.Equal(1, metrics.ActiveStreams);
    }

    [Fact]
    public void LabelValues_AreEscaped()
    {
        using var metrics = new CcrMetrics();
        const string awkward = "we\"ird\\name\nnext";
        metrics.RecordAttempt(awkward, "t", "ok");

        string text = metrics.RenderPrometheus();
        Assert.Contains("provider=\"we\\\"ird\\\\name\\nnext\"", text, StringComparison.Ordinal);
        Assert.Equal(1, Exposition.Parse(text).Value("ccr_upstream_attempts_total", ("provider", awkward), ("tier_name", "t"), ("outcome", "ok")));
    }

    [Fact]
    public void TwoInstances_AreIndependent()
    {
        using var first = new CcrMetrics();
        using var second = new CcrMetrics();
        first.RecordRequest("/v1/messages", 200);
        first.StreamStarted();
        second.RecordRetry("glm", null);

        Exposition a = Exposition.Parse(first.RenderPrometheus());
        Exposition b = Exposition.Parse(second.RenderPrometheus());
        Assert.Equal(1, a.Value("ccr_requests_total", ("endpoint", "/v1/messages"), ("status", "200")));
        Assert.DoesNotContain(b.Samples, s => s.Name == "ccr_requests_total");
        Assert.DoesNotContain(a.Samples, s => s.Name == "ccr_retries_total");
        Assert.Equal(0, b.Value("ccr_active_streams"));
        Assert.Equal(0, second.RequestsServed);
    }

    [Fact]
    public async Task ConcurrentRecording_CountsExactly()
    {
        using var metrics = new CcrMetrics();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                metrics.RecordAttempt("qwen", "ccr-qwen", "ok");
                metrics.RecordLatency("qwen", "ccr-qwen", 12);
            }
        }))).WaitAsync(TimeSpan.FromSeconds(30));

        Exposition parsed = Exposition.Parse(metrics.RenderPrometheus());
        Assert.Equal(80_000, parsed.Value("ccr_upstream_attempts_total", ("provider", "qwen"), ("tier_name", "ccr-qwen"), ("outcome", "ok")));
        Assert.Equal(80_000, parsed.Value("ccr_upstream_latency_seconds_count", ("provider", "qwen"), ("tier_name", "ccr-qwen")));
        Assert.Equal(80_000 * 0.012, parsed.Value("ccr_upstream_latency_seconds_sum", ("provider", "qwen"), ("tier_name", "ccr-qwen")), 3);
    }

    /// <summary>A small, strict reader of the Prometheus text format: enough to fail on malformed output.</summary>
    private sealed class Exposition
    {
        public List<(string Name, Dictionary<string, string> Labels, double Value)> Samples { get; } = [];

        public Dictionary<string, string> Types { get; } = [];

        public Dictionary<string, string> Helps { get; } = [];

        public double Value(string name, params (string Key, string Value)[] labels)
        {
            var matches = Samples.Where(s => s.Name == name && s.Labels.Count == labels.Length && labels.All(l => s.Labels.TryGetValue(l.Key, out string? v) && v == l.Value)).ToList();
            Assert.True(matches.Count == 1, $"expected one sample {name} with {string.Join(",", labels)}, found {matches.Count}");
            return matches[0].Value;
        }

        public static Exposition Parse(string text)
        {
            Assert.EndsWith("\n", text, StringComparison.Ordinal);
            var result = new Exposition();
            foreach (string line in text.Split('\n'))
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (line.StartsWith("# HELP ", StringComparison.Ordinal))
                {
                    string[] parts = line["# HELP ".Length..].Split(' ', 2);
                    result.Helps.Add(parts[0], parts[1]);
                    continue;
                }

                if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    string[] parts = line["# TYPE ".Length..].Split(' ');
                    Assert.Equal(2, parts.Length);
                    Assert.Contains(parts[1], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                    result.Types.Add(parts[0], parts[1]);
                    continue;
                }

                Assert.False(line.StartsWith('#'), "unexpected comment: " + line);
                int i = 0;
                while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':'))
                {
                    i++;
                }

                string name = line[..i];
                Assert.Matches("^[a-zA-Z_:][a-zA-Z0-9_:]*$", name);
                var labels = new Dictionary<string, string>();
                if (i < line.Length && line[i] == '{')
                {
                    i++;
                    while (line[i] != '}')
                    {
                        int eq = line.IndexOf('=', i);
                        string key = line[i..eq];
                        Assert.Matches("^[a-zA-Z_][a-zA-Z0-9_]*$", key);
                        Assert.Equal('"', line[eq + 1]);
                        var value = new StringBuilder();
                        int j = eq + 2;
                        for (; line[j] != '"'; j++)
                        {
                            if (line[j] == '\\')
                            {
                                j++;
                                value.Append(line[j] switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new FormatException("bad escape in " + line) });
                            }
                            else
                            {
                                value.Append(line[j]);
                            }
                        }

                        labels.Add(key, value.ToString());
                        i = j + 1;
                        if (line[i] == ',')
                        {
                            i++;
                        }
                    }

                    i++;
                }

                Assert.Equal(' ', line[i]);
                string number = line[(i + 1)..];
                double parsed = number == "+Inf" ? double.PositiveInfinity : double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture);
                string family = name.EndsWith("_bucket", StringComparison.Ordinal) ? name[..^7]
                    : name.EndsWith("_sum", StringComparison.Ordinal) ? name[..^4]
                    : name.EndsWith("_count", StringComparison.Ordinal) ? name[..^6] : name;
                Assert.True(result.Types.ContainsKey(family) || result.Types.ContainsKey(name), "sample before its TYPE: " + line);
                result.Samples.Add((name, labels, parsed));
            }

            return result;
        }
    }
}
