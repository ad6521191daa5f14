using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Ccr.Core.Usage;

namespace Ccr.Core.Telemetry;

/// <summary>
/// The proxy's metrics. Instruments live on a Meter named "Ccr" (so any .NET metrics listener can
/// collect them), and this instance's own MeterListener aggregates its own Meter's measurements for
/// <c>/metrics</c> in Prometheus text format 0.0.4. Several instances in one process stay independent.
/// Recording takes no locks and allocates only the first time a label combination is seen.
/// </summary>
internal sealed class CcrMetrics : IDisposable
{
    /// <summary>The Meter name.</summary>
    public const string MeterName = "Ccr";

    // Upper bounds in seconds: from a local 1 ms answer to a two-minute thinking turn.
    private static readonly double[] s_latencyBounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
    private static readonly string[] s_statusText = BuildStatusText();

    private const string Endpoint = "endpoint";
    private const string Status = "status";
    private const string ProviderLabel = "provider";
    private const string TierName = "tier_name";
    private const string Outcome = "outcome";
    private const string ErrorType = "error_type";
    private const string From = "from";
    private const string To = "to";
    private const string ModelLabel = "model";
    private const string Kind = "kind";

    private readonly Meter _meter;
    private readonly MeterListener _listener;
    private readonly Family[] _families;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _quotaSkips;
    private readonly Histogram<double> _latency;
    private readonly UpDownCounter<long> _activeStreams;
    private readonly Counter<long> _usageRequests;
    private readonly Counter<long> _usageTokens;
    private readonly Counter<long> _usageErrors;
    private readonly Counter<long> _usageFallbacks;
    private readonly Counter<long> _customRouter;
    private readonly List<Action<StringBuilder>> _scrapeSections = new();
    private long _activeStreamCount;
    private long _requestsServed;

    /// <summary>Creates the instruments and starts listening to them.</summary>
    public CcrMetrics()
    {
        _meter = new Meter(MeterName, CcrInfo.Version);
        _requests = _meter.CreateCounter<long>("ccr.requests", "{request}", "Client requests served, by endpoint and HTTP status.");
        _attempts = _meter.CreateCounter<long>("ccr.upstream.attempts", "{attempt}", "Upstream attempts, by provider, tier and outcome.");
        _failures = _meter.CreateCounter<long>("ccr.upstream.failures", "{failure}", "Failed upstream attempts, by provider, tier and error type.");
        _fallbacks = _meter.CreateCounter<long>("ccr.fallbacks", "{fallback}", "Requests that fell from one provider's tier to another's.");
        _retries = _meter.CreateCounter<long>("ccr.retries", "{retry}", "Retries on the same tier.");
        _rateLimited = _meter.CreateCounter<long>("ccr.rate_limit_hits", "{hit}", "Upstream 429s and rate-limit headers at zero.");
        _quotaSkips = _meter.CreateCounter<long>("ccr.quota_skips", "{skip}", "Tiers skipped because their local quota was exhausted.");
        _latency = _meter.CreateHistogram<double>("ccr.upstream.latency", "s", "Upstream attempt latency.");
        _activeStreams = _meter.CreateUpDownCounter<long>("ccr.active_streams", "{stream}", "Streaming responses in progress.");
        _usageRequests = _meter.CreateCounter<long>("ccr.usage.requests", "{request}", "Upstream requests counted as usage, by provider, model and tier_name.");
        _usageTokens = _meter.CreateCounter<long>("ccr.usage.tokens", "{token}", "Tokens the upstreams reported, by provider, model and kind (input, output, cache_read, cache_write).");
        _usageErrors = _meter.CreateCounter<long>("ccr.usage.errors", "{error}", "Upstream requests that failed, by provider, model and tier_name.");
        _usageFallbacks = _meter.CreateCounter<long>("ccr.usage.fallbacks", "{request}", "Upstream requests made because the route's first choice was skipped or failed, by provider, model and tier_name.");

        _customRouter = _meter.CreateCounter<long>("ccr.custom_router", "{call}", "Custom router script calls, by outcome (chosen, kept, threw, timed_out, not_a_string, unknown_route, unavailable).");

        _families =
        [
            new Family(_requests, "ccr_requests_total", "counter", [Endpoint, Status]),
            new Family(_attempts, "ccr_upstream_attempts_total", "counter", [ProviderLabel, TierName, Outcome]),
            new Family(_failures, "ccr_upstream_failures_total", "counter", [ProviderLabel, TierName, ErrorType]),
            new Family(_fallbacks, "ccr_fallbacks_total", "counter", [From, To]),
            new Family(_retries, "ccr_retries_total", "counter", [ProviderLabel, TierName]),
            new Family(_rateLimited, "ccr_rate_limit_hits_total", "counter", [ProviderLabel, TierName]),
            new Family(_quotaSkips, "ccr_quota_skips_total", "counter", [ProviderLabel, TierName]),
            new Family(_latency, "ccr_upstream_latency_seconds", "histogram", [ProviderLabel, TierName]),
            new Family(_activeStreams, "ccr_active_streams", "gauge", []),
            new Family(_usageRequests, "ccr_usage_requests_total", "counter", [ProviderLabel, ModelLabel, TierName]),
            new Family(_usageTokens, "ccr_usage_tokens_total", "counter", [ProviderLabel, ModelLabel, Kind]),
            new Family(_usageErrors, "ccr_usage_errors_total", "counter", [ProviderLabel, ModelLabel, TierName]),
            new Family(_usageFallbacks, "ccr_usage_fallbacks_total", "counter", [ProviderLabel, ModelLabel, TierName]),
            new Family(_customRouter, "ccr_custom_router_total", "counter", [Outcome]),
        ];

        _listener = new MeterListener();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Every listener sees every Meter in the process; take only this instance's.
            if (!ReferenceEquals(instrument.Meter, _meter))
            {
                return;
            }

            foreach (Family family in _families)
            {
                if (ReferenceEquals(family.Instrument, instrument))
                {
                    listener.EnableMeasurementEvents(instrument, family);
                }
            }
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((Family)state!).Add(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((Family)state!).Observe(value, tags, s_latencyBounds));
        _listener.Start();
    }

    /// <summary>Streaming responses in progress.</summary>
    public long ActiveStreams => Interlocked.Read(ref _activeStreamCount);

    /// <summary>Client requests answered since start.</summary>
    public long RequestsServed => Interlocked.Read(ref _requestsServed);

    /// <summary>A client request was answered on <paramref name="endpoint"/> with <paramref name="status"/>.</summary>
    public void RecordRequest(string endpoint, int status)
    {
        Interlocked.Increment(ref _requestsServed);
        _requests.Add(1, Tag(Endpoint, endpoint), Tag(Status, StatusText(status)));
    }

    /// <summary>An upstream attempt ended with <paramref name="outcome"/> (ok, retry, fallback, error...).</summary>
    public void RecordAttempt(string provider, string? tierName, string outcome) =>
        _attempts.Add(1, Tag(ProviderLabel, provider), Tag(TierName, tierName), Tag(Outcome, outcome));

    /// <summary>An upstream attempt failed with <paramref name="errorType"/>.</summary>
    public void RecordFailure(string provider, string? tierName, string errorType) =>
        _failures.Add(1, Tag(ProviderLabel, provider), Tag(TierName, tierName), Tag(ErrorType, errorType));

    /// <summary>A request moved from <paramref name="fromProvider"/>'s tier to <paramref name="toProvider"/>'s.</summary>
    public void RecordFallback(string fromProvider, string toProvider) =>
        _fallbacks.Add(1, Tag(From, fromProvider), Tag(To, toProvider));

    /// <summary>A tier was retried.</summary>
    public void RecordRetry(string provider, string? tierName) =>
        _retries.Add(1, Tag(ProviderLabel, provider), Tag(TierName, tierName));

    /// <summary>A tier answered 429 or reported its rate limit at zero.</summary>
    public void RecordRateLimited(string provider, string? tierName) =>
        _rateLimited.Add(1, Tag(ProviderLabel, provider), Tag(TierName, tierName));

    /// <summary>A tier was skipped for local quota.</summary>
    public void RecordQuotaSkip(string provider, string? tierName) =>
        _quotaSkips.Add(1, Tag(ProviderLabel, provider), Tag(TierName, tierName));

    /// <summary>One call of the custom router script ended with <paramref name="outcome"/>.</summary>
    public void RecordCustomRouter(string outcome) => _customRouter.Add(1, Tag(Outcome, outcome));

    /// <summary>An upstream attempt took <paramref name="milliseconds"/>.</summary>
    public void RecordLatency(string provider, string? tierName, double milliseconds) =>
        _latency.Record(milliseconds / 1000.0, Tag(ProviderLabel, provider), Tag(TierName, tierName));

    /// <summary>One attempt's usage: its request, tokens by kind, error and fallback (only the kinds it has).</summary>
    public void RecordUsage(string provider, string model, string? tierName, in UsageCounts counts)
    {
        KeyValuePair<string, object?> providerTag = Tag(ProviderLabel, provider);
        KeyValuePair<string, object?> modelTag = Tag(ModelLabel, model);
        KeyValuePair<string, object?> tierTag = Tag(TierName, tierName);
        if (counts.Requests != 0)
        {
            _usageRequests.Add(counts.Requests, providerTag, modelTag, tierTag);
        }

        AddTokens(providerTag, modelTag, "input", counts.InputTokens);
        AddTokens(providerTag, modelTag, "output", counts.OutputTokens);
        AddTokens(providerTag, modelTag, "cache_read", counts.CacheReadTokens);
        AddTokens(providerTag, modelTag, "cache_write", counts.CacheWriteTokens);
        if (counts.Errors != 0)
        {
            _usageErrors.Add(counts.Errors, providerTag, modelTag, tierTag);
        }

        if (counts.Fallbacks != 0)
        {
            _usageFallbacks.Add(counts.Fallbacks, providerTag, modelTag, tierTag);
        }
    }

    /// <summary>Adds text that is worked out at scrape time (gauges read from live state, such as quota windows) after the instruments.</summary>
    public void AddScrapeSection(Action<StringBuilder> render)
    {
        ArgumentNullException.ThrowIfNull(render);
        lock (_scrapeSections)
        {
            _scrapeSections.Add(render);
        }
    }

    /// <summary>A streaming response began.</summary>
    public void StreamStarted()
    {
        Interlocked.Increment(ref _activeStreamCount);
        _activeStreams.Add(1);
    }

    /// <summary>A streaming response ended (completed, failed or cancelled).</summary>
    public void StreamEnded()
    {
        Interlocked.Decrement(ref _activeStreamCount);
        _activeStreams.Add(-1);
    }

    /// <summary>Everything recorded so far, in Prometheus text exposition format 0.0.4.</summary>
    public string RenderPrometheus()
    {
        var text = new StringBuilder(4096);
        foreach (Family family in _families)
        {
            family.Render(text, s_latencyBounds);
        }

        lock (_scrapeSections)
        {
            foreach (Action<StringBuilder> section in _scrapeSections)
            {
                section(text);
            }
        }

        return text.ToString();
    }

    /// <summary>Stops listening and releases the Meter.</summary>
    public void Dispose()
    {
        _listener.Dispose();
        _meter.Dispose();
    }

    private static KeyValuePair<string, object?> Tag(string name, string? value) => new(name, value ?? "");

    /// <summary>Escapes a label value for the text format (backslash, quote, newline).</summary>
    internal static void AppendLabelValue(StringBuilder text, string value) => Family.AppendEscaped(text, value);

    private void AddTokens(KeyValuePair<string, object?> provider, KeyValuePair<string, object?> model, string kind, long tokens)
    {
        if (tokens != 0)
        {
            _usageTokens.Add(tokens, provider, model, Tag(Kind, kind));
        }
    }

    private static string StatusText(int status) =>
        (uint)status < (uint)s_statusText.Length ? s_statusText[status] : status.ToString(CultureInfo.InvariantCulture);

    private static string[] BuildStatusText()
    {
        var texts = new string[600];
        for (int i = 0; i < texts.Length; i++)
        {
            texts[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        return texts;
    }

    private static string FormatDouble(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Label values of one series, in the family's label order (at most three labels).</summary>
    private readonly record struct SeriesKey(string? A, string? B, string? C)
    {
        public string? this[int index] => index switch { 0 => A, 1 => B, _ => C };
    }

    /// <summary>The aggregate of one series: a sum for counters and gauges; buckets, sum and count for histograms.</summary>
    private sealed class Series(int bucketCount)
    {
        private double _sum;

        public long Value;

        public long Count;

        public long[] Buckets { get; } = new long[bucketCount];

        public double Sum => Volatile.Read(ref _sum);

        public void AddSum(double value)
        {
            double seen = Volatile.Read(ref _sum);
            while (true)
            {
                double found = Interlocked.CompareExchange(ref _sum, seen + value, seen);
                if (found.Equals(seen))
                {
                    return;
                }

                seen = found;
            }
        }
    }

    /// <summary>One metric family: its instrument, Prometheus name and type, label names and series.</summary>
    private sealed class Family(Instrument instrument, string name, string type, string[] labels)
    {
        private readonly ConcurrentDictionary<SeriesKey, Series> _series = new();

        public Instrument Instrument { get; } = instrument;

        public void Add(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            Series series = Get(KeyOf(tags), 0);
            Interlocked.Add(ref series.Value, value);
        }

        public void Observe(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, double[] bounds)
        {
            Series series = Get(KeyOf(tags), bounds.Length + 1);
            int bucket = bounds.Length;
            for (int i = 0; i < bounds.Length; i++)
            {
                if (value <= bounds[i])
                {
                    bucket = i;
                    break;
                }
            }

            Interlocked.Increment(ref series.Buckets[bucket]);
            series.AddSum(value);
            Interlocked.Increment(ref series.Count);
        }

        public void Render(StringBuilder text, double[] bounds)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(Instrument.Description ?? name)).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

            var entries = _series.ToArray();
            Array.Sort(entries, static (x, y) => CompareKeys(x.Key, y.Key));
            if (entries.Length == 0 && labels.Length == 0)
            {
                text.Append(name).Append(" 0\n");
                return;
            }

            foreach (KeyValuePair<SeriesKey, Series> entry in entries)
            {
                if (type != "histogram")
                {
                    text.Append(name);
                    AppendLabels(text, entry.Key, null);
                    text.Append(' ').Append(Interlocked.Read(ref entry.Value.Value).ToString(CultureInfo.InvariantCulture)).Append('\n');
                    continue;
                }

                Series series = entry.Value;
                long count = Interlocked.Read(ref series.Count);
                long cumulative = 0;
                for (int i = 0; i <= bounds.Length; i++)
                {
                    cumulative += Interlocked.Read(ref series.Buckets[i]);
                    text.Append(name).Append("_bucket");
                    // Buckets are read one by one while others record: never report more than the count read first.
                    AppendLabels(text, entry.Key, i < bounds.Length ? FormatDouble(bounds[i]) : "+Inf");
                    text.Append(' ').Append((i < bounds.Length ? Math.Min(cumulative, count) : count).ToString(CultureInfo.InvariantCulture)).Append('\n');
                }

                text.Append(name).Append("_sum");
                AppendLabels(text, entry.Key, null);
                text.Append(' ').Append(FormatDouble(series.Sum)).Append('\n');
                text.Append(name).Append("_count");
                AppendLabels(text, entry.Key, null);
                text.Append(' ').Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        private Series Get(SeriesKey key, int buckets) =>
            _series.TryGetValue(key, out Series? series) ? series : _series.GetOrAdd(key, static (_, n) => new Series(n), buckets);

        private SeriesKey KeyOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? a = null, b = null, c = null;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                int index = Array.IndexOf(labels, tag.Key);
                string? value = tag.Value as string ?? Convert.ToString(tag.Value, CultureInfo.InvariantCulture);
                switch (index)
                {
                    case 0: a = value; break;
                    case 1: b = value; break;
                    case 2: c = value; break;
                    default: break;
                }
            }

            return new SeriesKey(a, b, c);
        }

        private void AppendLabels(StringBuilder text, SeriesKey key, string? le)
        {
            if (labels.Length == 0 && le is null)
            {
                return;
            }

            text.Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    text.Append(',');
                }

                text.Append(labels[i]).Append("=\"");
                AppendEscaped(text, key[i] ?? "");
                text.Append('"');
            }

            if (le is not null)
            {
                text.Append(labels.Length > 0 ? ",le=\"" : "le=\"").Append(le).Append('"');
            }

            text.Append('}');
        }

        private static int CompareKeys(SeriesKey x, SeriesKey y)
        {
            int result = string.CompareOrdinal(x.A, y.A);
            if (result == 0)
            {
                result = string.CompareOrdinal(x.B, y.B);
            }

            return result != 0 ? result : string.CompareOrdinal(x.C, y.C);
        }

        internal static void AppendEscaped(StringBuilder text, string value)
        {
            foreach (char ch in value)
            {
                switch (ch)
                {
                    case '\\': text.Append("\\\\"); break;
                    case '"': text.Append("\\\""); break;
                    case '\n': text.Append("\\n"); break;
                    default: text.Append(ch); break;
                }
            }
        }

        private static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }
}
