using Ccr.Core.Routing;

namespace Ccr.Core.Sessions;

/// <summary>
/// Remembers, per Claude Code session, which target last answered it, for the status line. In memory
/// only and bounded: past <see cref="Capacity"/> sessions the least recently answered one is forgotten,
/// so a long-running proxy never grows with the number of sessions it has seen.
/// </summary>
internal sealed class SessionTracker
{
    /// <summary>The default bound: far more concurrent Claude Code sessions than one user runs.</summary>
    public const int DefaultCapacity = 1024;

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, LinkedListNode<Entry>> _bySession;

    // Most recently answered first; the last node is the one to forget.
    private readonly LinkedList<Entry> _order = new();

    /// <summary>Creates a tracker that keeps at most <paramref name="capacity"/> sessions.</summary>
    public SessionTracker(TimeProvider time, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        Capacity = capacity;
        _bySession = new Dictionary<string, LinkedListNode<Entry>>(capacity, StringComparer.Ordinal);
    }

    /// <summary>The most sessions kept.</summary>
    public int Capacity { get; }

    /// <summary>How many sessions are remembered now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _bySession.Count;
            }
        }
    }

    /// <summary>
    /// The router's hook: <paramref name="served"/> answered the request of <paramref name="sessionId"/>, a fallback
    /// when it is not <paramref name="planned"/> (the plan's first target). Does nothing for requests without a session.
    /// </summary>
    public void Record(string? sessionId, PlannedTarget served, PlannedTarget planned)
    {
        if (sessionId is null)
        {
            return;
        }

        bool fallback = !string.Equals(served.Key, planned.Key, StringComparison.Ordinal);
        Record(sessionId, new SessionAnswer(served.Target.Provider, served.Target.Model, served.TierName, fallback, _time.GetUtcNow()));
    }

    /// <summary>Records that <paramref name="answer"/> served <paramref name="sessionId"/>; a null id (not Claude Code) is ignored.</summary>
    public void Record(string? sessionId, SessionAnswer answer)
    {
        if (sessionId is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_bySession.TryGetValue(sessionId, out LinkedListNode<Entry>? node))
            {
                node.Value.Answer = answer;
                _order.Remove(node);
                _order.AddFirst(node);
                return;
            }

            if (_bySession.Count >= Capacity)
            {
                LinkedListNode<Entry> oldest = _order.Last!;
                _order.RemoveLast();
                _bySession.Remove(oldest.Value.SessionId);
            }

            _bySession.Add(sessionId, _order.AddFirst(new Entry(sessionId, answer)));
        }
    }

    /// <summary>The last answer to <paramref name="sessionId"/>, or null when none is remembered.</summary>
    public SessionAnswer? Find(string? sessionId)
    {
        if (sessionId is null)
        {
            return null;
        }

        lock (_gate)
        {
            return _bySession.TryGetValue(sessionId, out LinkedListNode<Entry>? node) ? node.Value.Answer : null;
        }
    }

    private sealed class Entry
    {
        public Entry(string sessionId, SessionAnswer answer)
        {
            SessionId = sessionId;
            Answer = answer;
        }

        public string SessionId { get; }

        public SessionAnswer Answer { get; set; }
    }
}
