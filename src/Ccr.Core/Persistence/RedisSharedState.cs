using System.Globalization;
using Ccr.Core.Config;
using Ccr.Core.Quota;
using Ccr.Core.Usage;
using StackExchange.Redis;

namespace Ccr.Core.Persistence;

/// <summary>
/// Redis mode. The request path only adds to <see cref="SharedDeltas"/> and reads the last <see cref="SharedView"/>; one
/// background loop does all the talking: it connects (and reconnects), sends the pending deltas as one idempotent Lua batch
/// at most a second after they were counted (at once when a quota mark or cooldown waits), and reads every machine's
/// totals back into a new view every <see cref="RefreshInterval"/>. While Redis is away or slow, the readers get no
/// shared view (the callers then use their local one), the deltas wait in memory, the loss is logged once, and when Redis
/// answers again the held batch goes first under its old id, so a batch Redis had applied before its reply was lost is
/// not counted twice.
/// </summary>
internal sealed class RedisSharedState : ISharedState
{
    /// <summary>How often the loop reads Redis back (and sends marks).</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How long counts may wait before they are sent.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private const int RefreshHoursBack = 1;

    private readonly RedisEndpoint _endpoint;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;
    private readonly Action<string> _warn;
    private readonly Action<string> _info;
    private readonly SharedDeltas _deltas = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Dictionary<long, Dictionary<UsageKey, UsageCounts>> _usageHours = new();
    private readonly HashSet<long> _touchedHours = new();
    private volatile Dictionary<string, (string Hash, int RenewalDay)> _providers = new(StringComparer.OrdinalIgnoreCase);
    private volatile Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private volatile SharedView? _view;
    private volatile PersistenceStatus _status;
    private volatile string? _connectionProblem;
    private ConnectionMultiplexer? _connection;
    private SharedBatch? _held;
    private string? _lastRejection;
    private bool _dropWarned;
    private bool _usageLoaded;
    private DateTimeOffset _lastFlush;
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts the loop; nothing here waits for Redis.</summary>
    public RedisSharedState(PersistenceConfig config, TimeProvider time, Action<string> warn, Action<string> info)
    {
        ArgumentNullException.ThrowIfNull(config);
        _endpoint = config.Redis ?? throw new ArgumentException("Redis mode needs an endpoint.", nameof(config));
        _keys = new RedisKeys(config.Prefix);
        _time = time;
        _warn = warn;
        _info = info;
        _status = new PersistenceStatus(PersistenceState.Connecting, _endpoint.Display, _time.GetUtcNow(), null);
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <inheritdoc/>
    public PersistenceStatus Status => _status;

    /// <inheritdoc/>
    public Task WhenSettledAsync() => _settled.Task;

    /// <inheritdoc/>
    public void Bind(CcrConfig config)
    {
        var providers = new Dictionary<string, (string Hash, int RenewalDay)>(StringComparer.OrdinalIgnoreCase);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ProviderConfig provider in config.Providers)
        {
            string hash = ProviderKeyHash.Of(provider);
            providers[provider.Name] = (hash, provider.Quota?.RenewalDay ?? 1);
            names[hash] = provider.Name;
        }

        _providers = providers;
        _names = names;
    }

    /// <inheritdoc/>
    public void AddQuota(string provider, long minute, int count, int renewalDay) => _deltas.AddQuota(provider, minute, count, renewalDay);

    /// <inheritdoc/>
    public void MarkExhausted(string provider, DateTimeOffset until, QuotaWindowKind window) => _deltas.MarkExhausted(provider, until, window);

    /// <inheritdoc/>
    public void AddUsage(in UsageBucketKey key, in UsageCounts delta) => _deltas.AddUsage(key, delta);

    /// <inheritdoc/>
    public void CoolDown(string tierKey, DateTimeOffset until, string reason) => _deltas.CoolDown(tierKey, until, reason);

    /// <inheritdoc/>
    public QuotaUsage? ReadQuota(string provider) =>
        Current() is SharedView view && view.Quota.TryGetValue(provider, out QuotaUsage? usage) ? usage : null;

    /// <inheritdoc/>
    public bool MergeUsage(Dictionary<UsageBucketKey, UsageCounts> into, long fromHour, long toHour)
    {
        if (Current() is not SharedView view)
        {
            return false;
        }

        foreach (KeyValuePair<UsageBucketKey, UsageCounts> shared in view.Usage(fromHour, toHour))
        {
            // Redis holds every machine's flushed counts and the view adds this process's unsent ones; the local store may
            // still be ahead for this machine's other processes that run in local mode, so the larger count of each wins.
            into.TryGetValue(shared.Key, out UsageCounts local);
            into[shared.Key] = Max(local, shared.Value);
        }

        return true;
    }

    /// <inheritdoc/>
    public bool TryGetCooldown(string tierKey, DateTimeOffset now, out DateTimeOffset until, out string? reason)
    {
        if (Current() is SharedView view && view.Cooldowns.TryGetValue(tierKey, out (DateTimeOffset Until, string Reason) cooldown) && cooldown.Until > now)
        {
            until = cooldown.Until;
            reason = cooldown.Reason;
            return true;
        }

        until = default;
        reason = null;
        return false;
    }

    /// <summary>Stops the loop, sends what is pending when Redis is there (briefly), and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        if (_connection is { IsConnected: true } connection)
        {
            try
            {
                await FlushAsync(connection.GetDatabase(), force: true).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                _warn("Redis at " + _endpoint.Display + " did not take the last counts at shutdown (" + ex.Message + "); this machine's local store has them.");
            }
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private static UsageCounts Max(UsageCounts a, UsageCounts b) => new()
    {
        Requests = Math.Max(a.Requests, b.Requests),
        InputTokens = Math.Max(a.InputTokens, b.InputTokens),
        OutputTokens = Math.Max(a.OutputTokens, b.OutputTokens),
        CacheReadTokens = Math.Max(a.CacheReadTokens, b.CacheReadTokens),
        CacheWriteTokens = Math.Max(a.CacheWriteTokens, b.CacheWriteTokens),
        Errors = Math.Max(a.Errors, b.Errors),
        Fallbacks = Math.Max(a.Fallbacks, b.Fallbacks),
    };

    private static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException or ObjectDisposedException or InvalidOperationException;

    private SharedView? Current() => _status.State == PersistenceState.Connected ? _view : null;

    private async Task RunAsync(CancellationToken ct)
    {
        // The cadence is an I/O concern, so it runs on the real clock whatever clock the counts use.
        using var timer = new PeriodicTimer(RefreshInterval, TimeProvider.System);
        do
        {
            try
            {
                await TickAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRedisFailure(ex) && !ct.IsCancellationRequested)
            {
                Lost(Explain(ex));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Never let the loop die: a bug here must not take shared state away for the rest of the proxy's life.
                Lost("unexpected " + ex.GetType().Name + ": " + ex.Message);
            }

            // Once per outage, like the loss itself.
            if (_deltas.TakeDropped() > 0 && !_dropWarned)
            {
                _dropWarned = true;
                _warn("Redis at " + _endpoint.Display + " has been away long enough that " + SharedDeltas.MaxEntries.ToString(CultureInfo.InvariantCulture)
                    + " counts wait for it; newer ones are counted in the local store only until it returns.");
            }
        }
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
    }

    private async Task TickAsync(CancellationToken ct)
    {
        if (_connection is null)
        {
            ConfigurationOptions options = _endpoint.ToOptions();
            _connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            _connection.ConnectionFailed += (_, e) => _connectionProblem = Explain(e.FailureType, e.Exception);
            _connection.ConnectionRestored += (_, _) => _connectionProblem = null;
        }

        ct.ThrowIfCancellationRequested();
        if (!_connection.IsConnected)
        {
            string? problem = _connectionProblem;
            if (problem is null)
            {
                // No failure event said why (a refused AUTH can end the handshake without one): a PING fails at once
                // while disconnected and its exception carries the server's own words.
                try
                {
                    await _connection.GetDatabase().PingAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (IsRedisFailure(ex))
                {
                    problem = Explain(ex);
                }
            }

            Lost(problem ?? "no connection");
            return;
        }

        IDatabase db = _connection.GetDatabase();
        await FlushAsync(db, force: false).ConfigureAwait(false);
        await RefreshAsync(db).ConfigureAwait(false);
        Connected();
    }

    private async Task FlushAsync(IDatabase db, bool force)
    {
        DateTimeOffset now = TimeProvider.System.GetUtcNow();
        if (_held is null)
        {
            if (!force && !_deltas.HasMarks && now - _lastFlush < FlushInterval)
            {
                return;
            }

            _held = _deltas.Seal();
            _lastFlush = now;
        }

        if (_held is null)
        {
            return;
        }

        Dictionary<string, (string Hash, int RenewalDay)> providers = _providers;
        List<RedisValue> args = _held.BuildArguments(_keys, name => providers.TryGetValue(name, out (string Hash, int RenewalDay) p) ? p.Hash : null);

        // 0 means Redis had this batch already (its reply was lost on an earlier try): it counts once either way.
        try
        {
            await db.ScriptEvaluateAsync(SharedBatchScript.Text, new RedisKey[] { _keys.Batch(_held.Id) }, args.ToArray()).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (!IsAuthMessage(ex.Message))
        {
            // Redis answered and refused (a read-only replica, out of memory, scripts disabled): resending the same batch
            // would be refused again and hold every later one back, so it is dropped; this machine's local store has it.
            _held = null;
            if (!string.Equals(_lastRejection, ex.Message, StringComparison.Ordinal))
            {
                _lastRejection = ex.Message;
                _warn("Redis at " + _endpoint.Display + " refused a batch of counts (" + FirstLine(ex.Message) + "); they are kept in this machine's local store only.");
            }

            return;
        }

        _lastRejection = null;
        foreach (UsageBucketKey key in _held.Usage.Keys)
        {
            _touchedHours.Add(key.Hour);
        }

        _held = null;
    }

    private async Task RefreshAsync(IDatabase db)
    {
        DateTimeOffset now = _time.GetUtcNow();
        long nowMs = now.ToUnixTimeMilliseconds();
        long minuteNow = QuotaCalendar.MinuteOf(now);
        long hourNow = minuteNow / 60;
        Dictionary<string, (string Hash, int RenewalDay)> providers = _providers;
        Dictionary<string, string> names = _names;

        var quotaReads = new List<(string Name, DateTimeOffset WeekStart, DateTimeOffset MonthStart, Task<HashEntry[]>[] Minutes, Task<RedisValue> Week, Task<RedisValue> Month, Task<RedisValue> Exhausted, Task<HashEntry[]> Cooldowns)>();
        foreach (KeyValuePair<string, (string Hash, int RenewalDay)> provider in providers)
        {
            string hash = provider.Value.Hash;
            var minutes = new Task<HashEntry[]>[6];
            for (int i = 0; i < minutes.Length; i++)
            {
                minutes[i] = db.HashGetAllAsync(_keys.QuotaMinutes(hash, hourNow - i));
            }

            DateTimeOffset weekStart = QuotaCalendar.WeekStart(now);
            DateTimeOffset monthStart = QuotaCalendar.MonthStart(now, provider.Value.RenewalDay);
            quotaReads.Add((provider.Key, weekStart, monthStart, minutes,
                db.StringGetAsync(_keys.QuotaWeek(hash, weekStart)),
                db.StringGetAsync(_keys.QuotaMonth(hash, monthStart)),
                db.StringGetAsync(_keys.Exhausted(hash)),
                db.HashGetAllAsync(_keys.Cooldowns(hash))));
        }

        // Usage: every hour once after each (re)connect, since another machine may have counted while this one was away;
        // then the recent hours and the ones this process just wrote. Older hours do not change.
        var hours = new HashSet<long>(_touchedHours);
        _touchedHours.Clear();
        if (!_usageLoaded)
        {
            long oldest = UsageBucketKey.HourOf(now - UsageStore.Retention);
            foreach (RedisValue member in await db.SetMembersAsync(_keys.UsageHours).ConfigureAwait(false))
            {
                if (long.TryParse(member.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long hour) && hour >= oldest)
                {
                    hours.Add(hour);
                }
            }
        }

        for (int back = 0; back <= RefreshHoursBack; back++)
        {
            hours.Add(UsageBucketKey.HourOf(now) - back);
        }

        var usageReads = new List<(long Hour, Task<HashEntry[]> Read)>();
        foreach (long hour in hours)
        {
            usageReads.Add((hour, db.HashGetAllAsync(_keys.UsageHour(hour))));
        }

        var quota = new Dictionary<string, QuotaUsage>(StringComparer.OrdinalIgnoreCase);
        var cooldowns = new Dictionary<string, (DateTimeOffset Until, string Reason)>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, DateTimeOffset weekStart, DateTimeOffset monthStart, Task<HashEntry[]>[] minutes, Task<RedisValue> week, Task<RedisValue> month, Task<RedisValue> exhausted, Task<HashEntry[]> cooldownRead) in quotaReads)
        {
            var usage = new QuotaUsage
            {
                WeekStart = weekStart,
                WeekCount = (long?)await week.ConfigureAwait(false) ?? 0,
                MonthStart = monthStart,
                MonthCount = (long?)await month.ConfigureAwait(false) ?? 0,
            };
            foreach (Task<HashEntry[]> read in minutes)
            {
                foreach (HashEntry entry in await read.ConfigureAwait(false))
                {
                    if (long.TryParse(entry.Name.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long minute) && minute <= minuteNow)
                    {
                        usage.Minutes[minute] = (int)entry.Value;
                    }
                }
            }

            if (ParseMark(await exhausted.ConfigureAwait(false), nowMs, out DateTimeOffset until, out string rest))
            {
                usage.MarkExhausted(until, Enum.TryParse(rest, ignoreCase: false, out QuotaWindowKind kind) && Enum.IsDefined(kind) ? kind : QuotaWindowKind.Unknown);
            }

            usage.Prune(now);
            quota[name] = usage;
            foreach (HashEntry entry in await cooldownRead.ConfigureAwait(false))
            {
                if (ParseMark(entry.Value, nowMs, out DateTimeOffset cooledUntil, out string reason))
                {
                    cooldowns[name + "," + entry.Name.ToString()] = (cooledUntil, reason);
                }
            }
        }

        foreach ((long hour, Task<HashEntry[]> read) in usageReads)
        {
            var buckets = new Dictionary<UsageKey, UsageCounts>();
            foreach (HashEntry entry in await read.ConfigureAwait(false))
            {
                if (SharedUsageField.TryParse(entry.Name.ToString(), out string hash, out string model, out string tier, out char counter)
                    && names.TryGetValue(hash, out string? provider))
                {
                    var key = new UsageKey(provider, model, tier);
                    buckets.TryGetValue(key, out UsageCounts counts);
                    SharedUsageField.Add(ref counts, counter, (long)entry.Value);
                    buckets[key] = counts;
                }
            }

            _usageHours[hour] = buckets;
        }

        _usageLoaded = true;

        // What Redis does not have yet: the held batch (if its send failed) and what was counted since it was taken.
        var unsentUsage = new Dictionary<UsageBucketKey, UsageCounts>();
        if (_held is not null)
        {
            SharedDeltas.AddTo(quota, unsentUsage, _held);
        }

        _deltas.AddPendingTo(quota, unsentUsage);
        _view = new SharedView(quota, new Dictionary<long, Dictionary<UsageKey, UsageCounts>>(_usageHours), unsentUsage, cooldowns);
    }

    private static bool ParseMark(RedisValue value, long nowMs, out DateTimeOffset until, out string rest)
    {
        until = default;
        rest = "";
        if (value.IsNullOrEmpty)
        {
            return false;
        }

        string text = value.ToString();
        int bar = text.IndexOf('|', StringComparison.Ordinal);
        if (!long.TryParse(bar < 0 ? text : text[..bar], NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms) || ms <= nowMs)
        {
            return false;
        }

        until = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        rest = bar < 0 ? "" : text[(bar + 1)..];
        return true;
    }

    private void Connected()
    {
        PersistenceStatus before = _status;
        if (before.State != PersistenceState.Connected)
        {
            _dropWarned = false;
            _status = new PersistenceStatus(PersistenceState.Connected, _endpoint.Display, _time.GetUtcNow(), null);
            _info(before.State == PersistenceState.Unreachable
                ? "Redis at " + _endpoint.Display + " answers again: counts held while it was away are sent, and quota, usage and cooldowns are shared again."
                : "Quota, usage and cooldowns are shared through Redis at " + _endpoint.Display + ".");
        }

        // After the status: whoever waited for the outcome reads it next.
        _settled.TrySetResult();
    }

    private void Lost(string problem)
    {
        // Everything read before the loss is stale; after it returns, every usage hour is read again.
        _usageLoaded = false;
        PersistenceStatus before = _status;
        if (before.State == PersistenceState.Unreachable && before.Problem == problem)
        {
            return;
        }

        DateTimeOffset since = before.State == PersistenceState.Unreachable ? before.Since ?? _time.GetUtcNow() : _time.GetUtcNow();
        _status = new PersistenceStatus(PersistenceState.Unreachable, _endpoint.Display, since, problem);
        if (before.State != PersistenceState.Unreachable)
        {
            // Once per outage, not per request or per tick.
            _warn("Redis at " + _endpoint.Display + " cannot be used (" + problem + "); Ccr routes on this machine's local view, keeps the counts in memory and sends them when Redis answers again.");
        }

        // After the status: whoever waited for the outcome reads it next.
        _settled.TrySetResult();
    }

    private string Explain(Exception ex) => IsAuthMessage(ex.ToString()) ? AuthProblem() : ex switch
    {
        RedisConnectionException connection => Explain(connection.FailureType, connection),
        RedisServerException server when IsAuthMessage(server.Message) => AuthProblem(),
        RedisTimeoutException => "Redis did not answer within " + _endpoint.ToOptions().AsyncTimeout.ToString(CultureInfo.InvariantCulture) + " ms",
        _ => FirstLine(ex.Message),
    };

    private string Explain(ConnectionFailureType failure, Exception? ex) => failure switch
    {
        ConnectionFailureType.AuthenticationFailure => AuthProblem(),
        ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection or ConnectionFailureType.SocketFailure
            when ex is not null && IsAuthMessage(ex.ToString()) => AuthProblem(),
        ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection =>
            "cannot connect; check that redis-server runs there and that redis_url's host and port are right",
        _ => failure.ToString() + (ex is null ? "" : ": " + FirstLine(ex.Message)),
    };

    private string AuthProblem() =>
        "Redis refused the credentials (AUTH); check the password in Persistence.redis_url" + (_endpoint.Password is null ? " (it gives none)" : "") + " or the variable it names";

    private static bool IsAuthMessage(string message) =>
        message.Contains("NOAUTH", StringComparison.Ordinal) || message.Contains("WRONGPASS", StringComparison.Ordinal)
        || message.Contains("invalid password", StringComparison.OrdinalIgnoreCase) || message.Contains("AuthenticationFailure", StringComparison.Ordinal);

    private static string FirstLine(string text)
    {
        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? text : text[..newline].TrimEnd('\r');
    }
}
