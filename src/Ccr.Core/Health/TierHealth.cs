using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using Ccr.Core.Persistence;
using Ccr.Core.Telemetry;

namespace Ccr.Core.Health;

/// <summary>
/// Per-tier (<c>provider,model</c>) health: cooldowns asked for by upstream (429 Retry-After, rate-limit
/// headers at zero) and a circuit breaker that stops hammering a tier after consecutive failures, then lets
/// exactly one probe through once the open period is over. State is per key, each behind its own small lock.
/// </summary>
internal sealed class TierHealth
{
    /// <summary>The cooldown when rate-limit headers say zero remaining but give no usable reset.</summary>
    public static readonly TimeSpan DefaultRateLimitCooldown = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a tier that timed out is skipped: long enough that the requests right behind do not each wait out the
    /// same deadline, short enough that a provider back from a hiccup is tried again soon.
    /// </summary>
    public static readonly TimeSpan TimeoutCooldown = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan s_defaultOpenDuration = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, KeyHealth> _keys = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;
    private readonly int _failureThreshold;
    private readonly TimeSpan _openDuration;
    private ISharedState _shared = LocalSharedState.Instance;

    /// <summary>Creates the tracker; a circuit opens after <paramref name="failureThreshold"/> consecutive failures for <paramref name="openDuration"/> (30 s by default).</summary>
    public TierHealth(TimeProvider time, int failureThreshold = 5, TimeSpan? openDuration = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(failureThreshold, 1);
        _time = time;
        _failureThreshold = failureThreshold;
        _openDuration = openDuration ?? s_defaultOpenDuration;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_openDuration, TimeSpan.Zero, nameof(openDuration));
    }

    /// <summary>Where cooldowns are also published and read (Redis mode: a 429 seen by one machine cools the tier on every one).</summary>
    public ISharedState Shared
    {
        get => _shared;
        set => _shared = value ?? LocalSharedState.Instance;
    }

    /// <summary>Every key seen so far.</summary>
    public IReadOnlyCollection<string> Keys => _keys.Keys.ToArray();

    /// <summary>
    /// Whether the tier may be tried now. When the open period has passed, the first caller gets
    /// <see cref="TierState.HalfOpenProbe"/> and must report the outcome; others see the circuit open until it does
    /// (or until another open period passes, in case the probe was abandoned).
    /// </summary>
    public TierAvailability Check(string key)
    {
        KeyHealth health = Get(key);
        DateTimeOffset now = _time.GetUtcNow();
        lock (health)
        {
            if (health.Circuit == CircuitState.Open && now < health.OpenUntil)
            {
                return TierAvailability.CircuitOpen(health.OpenUntil);
            }

            if (health.CooldownUntil is { } cooldown && now < cooldown)
            {
                return TierAvailability.CoolingDown(cooldown);
            }

            if (_shared.TryGetCooldown(key, now, out DateTimeOffset sharedCooldown, out _))
            {
                return TierAvailability.CoolingDown(sharedCooldown);
            }

            if (health.Circuit == CircuitState.Closed)
            {
                return TierAvailability.Ready;
            }

            if (health.Circuit == CircuitState.HalfOpen && now < health.ProbeStartedAt + _openDuration)
            {
                return TierAvailability.CircuitOpen(health.ProbeStartedAt + _openDuration);
            }

            health.Circuit = CircuitState.HalfOpen;
            health.ProbeStartedAt = now;
            return TierAvailability.HalfOpenProbe;
        }
    }

    /// <summary>An attempt succeeded: the failure streak ends and an open or probing circuit closes.</summary>
    public void RecordSuccess(string key)
    {
        KeyHealth health = Get(key);
        lock (health)
        {
            health.Requests++;
            health.ConsecutiveFailures = 0;
            health.Circuit = CircuitState.Closed;
        }
    }

    /// <summary>An attempt failed. Enough consecutive failures open the circuit; a failed probe re-opens it at once.</summary>
    public void RecordFailure(string key, string errorSummary)
    {
        KeyHealth health = Get(key);
        DateTimeOffset now = _time.GetUtcNow();
        string summary = SecretRedactor.Redact(errorSummary ?? "");
        lock (health)
        {
            health.Requests++;
            health.Failures++;
            health.ConsecutiveFailures++;
            health.LastError = summary;
            health.LastErrorAt = now;
            if (health.Circuit == CircuitState.HalfOpen || health.ConsecutiveFailures >= _failureThreshold)
            {
                health.Circuit = CircuitState.Open;
                health.OpenUntil = now + _openDuration;
            }
        }
    }

    /// <summary>Skips the tier for <paramref name="duration"/> (an existing longer cooldown is kept).</summary>
    public void CoolDown(string key, TimeSpan duration, string reason)
    {
        if (duration <= TimeSpan.Zero)
        {
            return;
        }

        KeyHealth health = Get(key);
        DateTimeOffset until = _time.GetUtcNow() + duration;
        lock (health)
        {
            if (health.CooldownUntil is null || health.CooldownUntil < until)
            {
                health.CooldownUntil = until;
                health.CooldownReason = reason;
            }
        }

        _shared.CoolDown(key, until, reason);
    }

    /// <summary>
    /// Cools the tier down when <c>x-ratelimit-remaining-requests</c> (or <c>x-ratelimit-remaining</c>) is 0, until
    /// <c>x-ratelimit-reset-requests</c> (or <c>x-ratelimit-reset</c>). Returns true when it cooled down.
    /// </summary>
    public bool ApplyRateLimitHeaders(string key, IReadOnlyDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return ApplyRateLimit(key, name => headers.TryGetValue(name, out string? value) ? value : FindIgnoringCase(headers, name));
    }

    /// <summary>The same, reading an <see cref="HttpResponseMessage"/>'s headers.</summary>
    public bool ApplyRateLimitHeaders(string key, HttpHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return ApplyRateLimit(key, name => headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null);
    }

    /// <summary>The tier's health now, without taking a probe.</summary>
    public TierHealthSnapshot Snapshot(string key)
    {
        KeyHealth health = Get(key);
        DateTimeOffset now = _time.GetUtcNow();
        lock (health)
        {
            TierState state;
            DateTimeOffset? until = null;
            if (health.Circuit == CircuitState.Open && now < health.OpenUntil)
            {
                state = TierState.CircuitOpen;
                until = health.OpenUntil;
            }
            else if (health.CooldownUntil is { } cooldown && now < cooldown)
            {
                state = TierState.CoolingDown;
                until = cooldown;
            }
            else if (_shared.TryGetCooldown(key, now, out DateTimeOffset sharedCooldown, out string? sharedReason))
            {
                state = TierState.CoolingDown;
                until = sharedCooldown;
                return new TierHealthSnapshot(key, state, until, health.Requests, health.Failures, health.ConsecutiveFailures,
                    health.LastError, health.LastErrorAt, sharedReason + " (seen by another Ccr through Redis)");
            }
            else
            {
                state = health.Circuit == CircuitState.Closed ? TierState.Ready : TierState.HalfOpenProbe;
            }

            return new TierHealthSnapshot(key, state, until, health.Requests, health.Failures, health.ConsecutiveFailures,
                health.LastError, health.LastErrorAt, health.CooldownReason);
        }
    }

    /// <summary>
    /// Parses a reset value: plain seconds (<c>"20"</c>, <c>"0.5"</c>), epoch seconds (<c>"1767225600"</c>), Go-style
    /// durations (<c>"1s"</c>, <c>"6m0s"</c>, <c>"1h2m3.5s"</c>, <c>"250ms"</c>) or an HTTP date (Retry-After).
    /// </summary>
    public static bool TryParseReset(string? value, DateTimeOffset now, out DateTimeOffset until)
    {
        until = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        ReadOnlySpan<char> text = value.AsSpan().Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
        {
            if (number < 0 || double.IsNaN(number) || double.IsInfinity(number))
            {
                return false;
            }

            // Values this large are timestamps, not waits: no rate limit resets in more than 30 years.
            until = number >= 1_000_000_000
                ? DateTimeOffset.FromUnixTimeMilliseconds((long)(number * 1000))
                : now + TimeSpan.FromSeconds(number);
            return true;
        }

        if (TryParseGoDuration(text, out TimeSpan duration))
        {
            until = now + duration;
            return true;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset date))
        {
            until = date;
            return true;
        }

        return false;
    }

    private bool ApplyRateLimit(string key, Func<string, string?> header)
    {
        string? remaining = header("x-ratelimit-remaining-requests") ?? header("x-ratelimit-remaining");
        if (remaining is null
            || !double.TryParse(remaining.AsSpan().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double left)
            || left > 0)
        {
            return false;
        }

        DateTimeOffset now = _time.GetUtcNow();
        string? reset = header("x-ratelimit-reset-requests") ?? header("x-ratelimit-reset");
        TimeSpan duration = TryParseReset(reset, now, out DateTimeOffset until) && until > now
            ? until - now
            : DefaultRateLimitCooldown;
        CoolDown(key, duration, "x-ratelimit-remaining is 0" + (reset is null ? "" : " (reset " + reset + ")"));
        return true;
    }

    private static bool TryParseGoDuration(ReadOnlySpan<char> text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        double totalMs = 0;
        int i = 0;
        bool any = false;
        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == start || !double.TryParse(text[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out double amount))
            {
                return false;
            }

            int unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            double unitMs = text[unitStart..i] switch
            {
                "h" => 3_600_000,
                "m" => 60_000,
                "s" => 1_000,
                "ms" => 1,
                "us" or "µs" => 0.001,
                "ns" => 0.000_001,
                _ => double.NaN,
            };
            if (double.IsNaN(unitMs))
            {
                return false;
            }

            totalMs += amount * unitMs;
            any = true;
        }

        if (!any)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    private static string? FindIgnoringCase(IReadOnlyDictionary<string, string> headers, string name)
    {
        foreach (KeyValuePair<string, string> header in headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }

        return null;
    }

    private KeyHealth Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _keys.TryGetValue(key, out KeyHealth? health) ? health : _keys.GetOrAdd(key, static _ => new KeyHealth());
    }

    private enum CircuitState
    {
        Closed,
        Open,
        HalfOpen,
    }

    /// <summary>One key's mutable state; instances are their own lock.</summary>
    private sealed class KeyHealth
    {
        public CircuitState Circuit { get; set; }

        public DateTimeOffset OpenUntil { get; set; }

        public DateTimeOffset ProbeStartedAt { get; set; }

        public DateTimeOffset? CooldownUntil { get; set; }

        public string? CooldownReason { get; set; }

        public long Requests { get; set; }

        public long Failures { get; set; }

        public int ConsecutiveFailures { get; set; }

        public string? LastError { get; set; }

        public DateTimeOffset? LastErrorAt { get; set; }
    }
}
