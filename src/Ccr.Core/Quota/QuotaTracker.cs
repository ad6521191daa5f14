using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using Ccr.Core.Config;
using Ccr.Core.Persistence;
using Ccr.Core.Providers;

namespace Ccr.Core.Quota;

/// <summary>
/// Counts upstream requests per provider against its Coding Plan windows (five hours rolling, weekly
/// from Monday 00:00 UTC+8, monthly from the renewal day) and says when a provider is out of quota.
/// Counting happens in memory under a per-provider lock; a background loop merges the increments into
/// the store file shared by every Ccr process of the user, so the request path never does file I/O.
/// </summary>
internal sealed class QuotaTracker : IDisposable
{
    /// <summary>The rolling window's name in snapshots.</summary>
    public const string FiveHourWindow = "FiveHour";

    /// <summary>The weekly window's name in snapshots.</summary>
    public const string WeeklyWindow = "Weekly";

    /// <summary>The monthly window's name in snapshots.</summary>
    public const string MonthlyWindow = "Monthly";

    /// <summary>
    /// How long an upstream quota_exceeded keeps a provider out when no local window explains it
    /// (no quota configured, or the usage happened elsewhere): short, because the guess may be wrong.
    /// </summary>
    public static readonly TimeSpan UnknownResetBackoff = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan s_defaultFlushInterval = TimeSpan.FromSeconds(1);

    private readonly QuotaStore _store;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ProviderState> _states = new(StringComparer.OrdinalIgnoreCase);
    private readonly PeriodicFlush _flusher;
    private ISharedState _shared = LocalSharedState.Instance;
    private volatile Dictionary<string, QuotaUsage> _lastFile;
    private bool _flushFailing;

    /// <summary>Creates a tracker over <paramref name="storeFilePath"/>, flushing every second.</summary>
    public QuotaTracker(string storeFilePath, TimeProvider time)
        : this(storeFilePath, time, warning: null, flushInterval: null)
    {
    }

    /// <summary>
    /// Creates a tracker over <paramref name="storeFilePath"/> and loads what earlier runs and other processes counted.
    /// <paramref name="flushInterval"/> of <see cref="TimeSpan.Zero"/> turns the background flush off (only
    /// <see cref="FlushAsync"/> and <see cref="Dispose"/> write).
    /// </summary>
    public QuotaTracker(string storeFilePath, TimeProvider time, Action<string>? warning, TimeSpan? flushInterval = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeFilePath);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        Warning = warning;
        _store = new QuotaStore(storeFilePath, message => Warning?.Invoke(message));
        _lastFile = LoadInitial();

        _flusher = new PeriodicFlush(FlushCore, flushInterval ?? s_defaultFlushInterval, "the quota store", () => Warning);
    }

    /// <summary>The default store: <c>~/.claude-code-router/state/quota.json</c>.</summary>
    public static string DefaultStorePath { get; } = Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".claude-code-router", "state", "quota.json");

    /// <summary>Receives problems that are worth telling the user but never stop routing (a corrupt store, a lock held too long).</summary>
    public Action<string>? Warning { get; set; }

    /// <summary>The store file.</summary>
    public string StoreFilePath => _store.FilePath;

    /// <summary>
    /// Where counts and marks are also shared beyond this machine (Redis mode), local by default. Decisions take the larger
    /// of this machine's count and every machine's, and the later of the marks, so neither view can under-count the other.
    /// </summary>
    public ISharedState Shared
    {
        get => _shared;
        set => _shared = value ?? LocalSharedState.Instance;
    }

    /// <summary>
    /// True when any window of <paramref name="provider"/> is at or over its limit, or upstream marked it exhausted
    /// (whether or not the provider has a <c>quota</c> block); <paramref name="until"/> is then when all of that has reset.
    /// </summary>
    public bool IsExhausted(ProviderConfig provider, out DateTimeOffset until) => IsExhausted(provider, out until, out _);

    /// <summary>As <see cref="IsExhausted(ProviderConfig, out DateTimeOffset)"/>, with <paramref name="reason"/> saying why (for the decision log).</summary>
    public bool IsExhausted(ProviderConfig provider, out DateTimeOffset until, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ProviderState state = GetState(provider);
        DateTimeOffset now = _time.GetUtcNow();
        QuotaConfig? quota = provider.Quota;
        until = default;
        reason = null;
        bool exhausted = false;

        // Read outside the lock: the shared view is immutable and swapped whole by its refresher.
        QuotaUsage? shared = _shared.ReadQuota(provider.Name);
        lock (state.Gate)
        {
            QuotaUsage local = state.View;
            QuotaUsage view = shared is not null && CountFiveHour(shared, now) > CountFiveHour(local, now) ? shared : local;
            DateTimeOffset? marked = LaterMark(local.ExhaustedUntil, shared?.ExhaustedUntil, out bool sharedMark);
            if (marked is { } markedUntil && markedUntil > now)
            {
                QuotaWindowKind window = sharedMark ? shared!.ExhaustedWindow : local.ExhaustedWindow;
                exhausted = true;
                until = markedUntil;
                reason = (window == QuotaWindowKind.Unknown
                    ? "upstream said the quota is used up"
                    : "upstream said the " + window.ToString() + " window is used up") + (sharedMark ? " (seen by another Ccr through Redis)" : "");
            }

            if (quota is null)
            {
                return exhausted;
            }

            if (quota.FiveHourLimit is int fiveLimit && CountFiveHour(view, now) is long five && five >= fiveLimit)
            {
                exhausted = true;
                until = Later(until, FiveHourFreeAt(view, now, fiveLimit));
                reason = AddReason(reason, FiveHourWindow, five, fiveLimit);
            }

            if (quota.WeeklyLimit is int weekLimit && Math.Max(CountWeek(local, now), shared is null ? 0 : CountWeek(shared, now)) is long week && week >= weekLimit)
            {
                exhausted = true;
                until = Later(until, QuotaCalendar.WeekStart(now).AddDays(7));
                reason = AddReason(reason, WeeklyWindow, week, weekLimit);
            }

            if (quota.MonthlyLimit is int monthLimit
                && Math.Max(CountMonth(local, now, quota.RenewalDay), shared is null ? 0 : CountMonth(shared, now, quota.RenewalDay)) is long month && month >= monthLimit)
            {
                exhausted = true;
                until = Later(until, QuotaCalendar.NextMonthStart(QuotaCalendar.MonthStart(now, quota.RenewalDay), quota.RenewalDay));
                reason = AddReason(reason, MonthlyWindow, month, monthLimit);
            }
        }

        return exhausted;
    }

    /// <summary>Counts one upstream request in every window of <paramref name="provider"/>.</summary>
    public void RecordRequest(ProviderConfig provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ProviderState state = GetState(provider);
        long minute = QuotaCalendar.MinuteOf(_time.GetUtcNow());
        int renewalDay = provider.Quota?.RenewalDay ?? 1;
        lock (state.Gate)
        {
            state.RenewalDay = renewalDay;
            state.View.Add(minute, 1, renewalDay);
            CollectionsMarshal.GetValueRefOrAddDefault(state.Pending, minute, out _)++;
        }

        _shared.AddQuota(provider.Name, minute, 1, renewalDay);
    }

    /// <summary>
    /// Records that upstream answered quota_exceeded: the provider is skipped until <paramref name="until"/>, or when
    /// not given, until the next reset of its tightest window (the one with the smallest share left).
    /// </summary>
    public void MarkExhausted(ProviderConfig provider, DateTimeOffset? until) =>
        MarkExhausted(provider, until is null ? UpstreamLimit.Quota : UpstreamLimit.QuotaOf(QuotaWindowKind.Unknown, until));

    /// <summary>
    /// Records a used-up quota as the provider's own message put it (<see cref="ProviderFamily.ReadLimitMessage"/>), with or
    /// without a <c>quota</c> block, and returns when the provider comes back: the reset the message states; else for the
    /// five hours when the oldest counted request leaves the window (at most five hours from now); for the week the next
    /// Monday 00:00 UTC+8; for the month the next renewal day at 00:00 UTC+8 (a month from now when <c>renewal_day</c>
    /// is not given); for an unnamed window the tightest window's reset, or a short backoff.
    /// </summary>
    public DateTimeOffset MarkExhausted(ProviderConfig provider, UpstreamLimit reading)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ProviderState state = GetState(provider);
        DateTimeOffset now = _time.GetUtcNow();
        lock (state.Gate)
        {
            DateTimeOffset mark = reading.ResetsAt is { } stated && stated > now
                ? stated
                : ResetOf(reading.Window, state.View, provider.Quota, now);
            if (mark <= now)
            {
                mark = now + UnknownResetBackoff;
            }

            state.View.MarkExhausted(mark, reading.Window);
            if (state.PendingExhausted is null || state.PendingExhausted < mark)
            {
                state.PendingExhausted = mark;
                state.PendingExhaustedWindow = reading.Window;
            }

            _shared.MarkExhausted(provider.Name, mark, reading.Window);
            return state.View.ExhaustedUntil ?? mark;
        }
    }

    /// <summary>The windows of <paramref name="provider"/> as they stand now.</summary>
    public QuotaSnapshot Snapshot(ProviderConfig provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ProviderState state = GetState(provider);
        DateTimeOffset now = _time.GetUtcNow();
        QuotaConfig? quota = provider.Quota;
        QuotaUsage? shared = _shared.ReadQuota(provider.Name);
        lock (state.Gate)
        {
            return BuildSnapshot(provider.Name, shared is null ? state.View : Larger(state.View, shared, now), quota, now);
        }
    }

    /// <summary>Merges the counts recorded since the last flush into the store, and picks up other processes' counts.</summary>
    public Task FlushAsync(CancellationToken ct) => _flusher.FlushAsync(ct);

    /// <summary>Stops the background flush and writes what is still pending.</summary>
    public void Dispose() => _flusher.Dispose();

    private Dictionary<string, QuotaUsage> LoadInitial()
    {
        Dictionary<string, QuotaUsage>? map = _store.TryRead();
        if (map is not null)
        {
            return map;
        }

        // Unreadable: the locked update moves the corrupt file aside and starts a fresh one.
        try
        {
            return _store.Update(static _ => { }, static () => new Dictionary<string, QuotaUsage>(StringComparer.OrdinalIgnoreCase));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Warning?.Invoke($"The quota store '{_store.FilePath}' could not be read or repaired ({ex.Message}); counting starts from zero in this process.");
            return new Dictionary<string, QuotaUsage>(StringComparer.OrdinalIgnoreCase);
        }
    }

    private void FlushCore()
    {
        var taken = new List<(ProviderState State, Dictionary<long, int> Pending, DateTimeOffset? Exhausted, QuotaWindowKind Window, int RenewalDay)>();
        foreach (ProviderState state in _states.Values)
        {
            lock (state.Gate)
            {
                if (state.Pending.Count > 0 || state.PendingExhausted is not null)
                {
                    taken.Add((state, state.Pending, state.PendingExhausted, state.PendingExhaustedWindow, state.RenewalDay));
                    state.Pending = new Dictionary<long, int>();
                    state.PendingExhausted = null;
                    state.PendingExhaustedWindow = QuotaWindowKind.Unknown;
                }
            }
        }

        DateTimeOffset now = _time.GetUtcNow();
        Dictionary<string, QuotaUsage> file;
        if (taken.Count == 0)
        {
            // Nothing to add: just pick up what other processes counted. The file is small (minute buckets of
            // five hours per provider), and file timestamps are too coarse on some systems to skip the read.
            Dictionary<string, QuotaUsage>? read = _store.TryRead();
            if (read is null)
            {
                return;
            }

            file = read;
        }
        else
        {
            try
            {
                Dictionary<string, QuotaUsage> known = _lastFile;
                file = _store.Update(
                    map =>
                    {
                        foreach ((ProviderState state, Dictionary<long, int> pending, DateTimeOffset? exhausted, QuotaWindowKind window, int renewalDay) in taken)
                        {
                            if (!map.TryGetValue(state.Name, out QuotaUsage? usage))
                            {
                                usage = new QuotaUsage();
                                map[state.Name] = usage;
                            }

                            usage.Merge(pending, exhausted, renewalDay, window);
                            usage.Prune(now);
                        }
                    },
                    () => CloneMap(known));
                _flushFailing = false;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Keep the counts: they go out with the next flush.
                foreach ((ProviderState state, Dictionary<long, int> pending, DateTimeOffset? exhausted, QuotaWindowKind window, _) in taken)
                {
                    lock (state.Gate)
                    {
                        foreach (KeyValuePair<long, int> bucket in pending)
                        {
                            CollectionsMarshal.GetValueRefOrAddDefault(state.Pending, bucket.Key, out _) += bucket.Value;
                        }

                        if (exhausted is not null && (state.PendingExhausted is null || state.PendingExhausted < exhausted))
                        {
                            state.PendingExhausted = exhausted;
                            state.PendingExhaustedWindow = window;
                        }
                    }
                }

                if (!_flushFailing)
                {
                    _flushFailing = true;
                    Warning?.Invoke($"The quota store '{_store.FilePath}' could not be updated ({ex.Message}); counts are kept in memory and retried.");
                }

                return;
            }
        }

        _lastFile = file;
        foreach (ProviderState state in _states.Values)
        {
            lock (state.Gate)
            {
                QuotaUsage view = file.TryGetValue(state.Name, out QuotaUsage? stored) ? stored.Clone() : new QuotaUsage();
                view.Merge(state.Pending, state.PendingExhausted, state.RenewalDay, state.PendingExhaustedWindow);
                view.Prune(now);
                state.View = view;
            }
        }
    }

    private ProviderState GetState(ProviderConfig provider) =>
        _states.TryGetValue(provider.Name, out ProviderState? state)
            ? state
            : _states.GetOrAdd(provider.Name, static (name, self) =>
                new ProviderState(name, self._lastFile.TryGetValue(name, out QuotaUsage? stored) ? stored.Clone() : new QuotaUsage()), this);

    private static Dictionary<string, QuotaUsage> CloneMap(Dictionary<string, QuotaUsage> map)
    {
        var copy = new Dictionary<string, QuotaUsage>(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, QuotaUsage> entry in map)
        {
            copy[entry.Key] = entry.Value.Clone();
        }

        return copy;
    }

    private static QuotaSnapshot BuildSnapshot(string name, QuotaUsage view, QuotaConfig? quota, DateTimeOffset now)
    {
        int renewalDay = quota?.RenewalDay ?? 1;
        long five = CountFiveHour(view, now);
        long week = CountWeek(view, now);
        long month = CountMonth(view, now, renewalDay);
        DateTimeOffset monthStart = QuotaCalendar.MonthStart(now, renewalDay);
        bool unknown = quota?.LimitsUnknown == true;
        QuotaWindowSnapshot[] windows =
        [
            Window(FiveHourWindow, quota?.FiveHourLimit, five, OldestRollOff(view, now) ?? now, unknown),
            Window(WeeklyWindow, quota?.WeeklyLimit, week, QuotaCalendar.WeekStart(now).AddDays(7), unknown),
            Window(MonthlyWindow, quota?.MonthlyLimit, month, QuotaCalendar.NextMonthStart(monthStart, renewalDay), unknown),
        ];
        bool marked = view.ExhaustedUntil is { } mark && mark > now;
        return new QuotaSnapshot(name, windows, marked ? view.ExhaustedUntil : null, marked ? view.ExhaustedWindow : QuotaWindowKind.Unknown);
    }

    private static QuotaWindowSnapshot Window(string name, int? limit, long used, DateTimeOffset resetsAt, bool limitUnknown) =>
        new(name, limit, used, limit is int l ? Math.Max(0, l - used) : null, resetsAt, limitUnknown && limit is null);

    /// <summary>When a used-up <paramref name="window"/> frees requests again, by the window's own calendar.</summary>
    private static DateTimeOffset ResetOf(QuotaWindowKind window, QuotaUsage view, QuotaConfig? quota, DateTimeOffset now)
    {
        switch (window)
        {
            case QuotaWindowKind.FiveHour:
                // Upstream's window holds at most five hours of requests, so nothing it counted outlives now + 5 h;
                // the local counts can only say it frees earlier.
                DateTimeOffset latest = now + QuotaCalendar.FiveHours;
                return OldestRollOff(view, now) is { } rollOff && rollOff < latest ? rollOff : latest;
            case QuotaWindowKind.Weekly:
                return QuotaCalendar.WeekStart(now).AddDays(7);
            case QuotaWindowKind.Monthly:
                if (quota is { RenewalDayGiven: true })
                {
                    return QuotaCalendar.NextMonthStart(QuotaCalendar.MonthStart(now, quota.RenewalDay), quota.RenewalDay);
                }

                // The renewal day is unknown: a month from now is the latest the period can end.
                return now.AddMonths(1);
            default:
                return GuessReset(view, quota, now);
        }
    }

    private static string AddReason(string? reason, string window, long used, int limit) =>
        (reason is null ? "" : reason + "; ") + "local " + window + " count " + used.ToString(CultureInfo.InvariantCulture) + "/" + limit.ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset GuessReset(QuotaUsage view, QuotaConfig? quota, DateTimeOffset now)
    {
        if (quota is null)
        {
            return now + UnknownResetBackoff;
        }

        QuotaSnapshot snapshot = BuildSnapshot("", view, quota, now);
        QuotaWindowSnapshot? tightest = null;
        double tightestShare = double.MaxValue;
        foreach (QuotaWindowSnapshot window in snapshot.Windows)
        {
            if (window.Limit is not int limit || limit <= 0)
            {
                continue;
            }

            double share = (double)window.Left!.Value / limit;
            if (share < tightestShare || (share == tightestShare && tightest is not null && window.ResetsAt < tightest.ResetsAt))
            {
                tightest = window;
                tightestShare = share;
            }
        }

        return tightest?.ResetsAt ?? now + UnknownResetBackoff;
    }

    private static long CountFiveHour(QuotaUsage view, DateTimeOffset now)
    {
        long used = 0;
        foreach (KeyValuePair<long, int> bucket in view.Minutes)
        {
            if (QuotaCalendar.InFiveHourWindow(bucket.Key, now))
            {
                used += bucket.Value;
            }
        }

        return used;
    }

    private static long CountWeek(QuotaUsage view, DateTimeOffset now) =>
        view.WeekStart == QuotaCalendar.WeekStart(now) ? view.WeekCount : 0;

    private static long CountMonth(QuotaUsage view, DateTimeOffset now, int renewalDay) =>
        view.MonthStart == QuotaCalendar.MonthStart(now, renewalDay) ? view.MonthCount : 0;

    private static DateTimeOffset? OldestRollOff(QuotaUsage view, DateTimeOffset now)
    {
        long? oldest = null;
        foreach (long minute in view.Minutes.Keys)
        {
            if (QuotaCalendar.InFiveHourWindow(minute, now) && (oldest is null || minute < oldest))
            {
                oldest = minute;
            }
        }

        return oldest is long m ? QuotaCalendar.RollOff(m) : null;
    }

    /// <summary>When enough buckets have rolled off that the rolling window is under <paramref name="limit"/> again.</summary>
    private static DateTimeOffset FiveHourFreeAt(QuotaUsage view, DateTimeOffset now, int limit)
    {
        var buckets = new List<KeyValuePair<long, int>>();
        long used = 0;
        foreach (KeyValuePair<long, int> bucket in view.Minutes)
        {
            if (QuotaCalendar.InFiveHourWindow(bucket.Key, now))
            {
                buckets.Add(bucket);
                used += bucket.Value;
            }
        }

        buckets.Sort(static (a, b) => a.Key.CompareTo(b.Key));
        foreach (KeyValuePair<long, int> bucket in buckets)
        {
            used -= bucket.Value;
            if (used < limit)
            {
                return QuotaCalendar.RollOff(bucket.Key);
            }
        }

        return now + QuotaCalendar.FiveHours;
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset? LaterMark(DateTimeOffset? local, DateTimeOffset? shared, out bool sharedWins)
    {
        sharedWins = shared is not null && (local is null || shared > local);
        return sharedWins ? shared : local;
    }

    /// <summary>What a report shows when Redis is on: the larger count of each window and the later mark of the two views.</summary>
    private static QuotaUsage Larger(QuotaUsage local, QuotaUsage shared, DateTimeOffset now)
    {
        QuotaUsage result = CountFiveHour(shared, now) > CountFiveHour(local, now) ? shared.Clone() : local.Clone();
        if (CountWeek(shared, now) > CountWeek(local, now))
        {
            result.WeekStart = shared.WeekStart;
            result.WeekCount = shared.WeekCount;
        }
        else
        {
            result.WeekStart = local.WeekStart;
            result.WeekCount = local.WeekCount;
        }

        if (shared.MonthStart is not null && (local.MonthStart is null || shared.MonthStart > local.MonthStart
            || (shared.MonthStart == local.MonthStart && shared.MonthCount > local.MonthCount)))
        {
            result.MonthStart = shared.MonthStart;
            result.MonthCount = shared.MonthCount;
        }
        else
        {
            result.MonthStart = local.MonthStart;
            result.MonthCount = local.MonthCount;
        }

        result.ExhaustedUntil = null;
        result.MarkExhausted(local.ExhaustedUntil, local.ExhaustedWindow);
        result.MarkExhausted(shared.ExhaustedUntil, shared.ExhaustedWindow);
        return result;
    }

    private sealed class ProviderState(string name, QuotaUsage view)
    {
        public object Gate { get; } = new();

        public string Name { get; } = name;

        /// <summary>What the store held at the last flush plus what this process counted since.</summary>
        public QuotaUsage View { get; set; } = view;

        /// <summary>Counted since the last flush; merged into the store by the next one.</summary>
        public Dictionary<long, int> Pending { get; set; } = new();

        public DateTimeOffset? PendingExhausted { get; set; }

        public QuotaWindowKind PendingExhaustedWindow { get; set; }

        public int RenewalDay { get; set; } = 1;
    }
}
