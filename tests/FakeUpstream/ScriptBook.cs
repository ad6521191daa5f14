using System.Collections.Concurrent;

namespace FakeUpstream;

/// <summary>Which reply answers which request: a test's handler first, then the model's script, then the default script.</summary>
internal sealed class ScriptBook
{
    private static readonly ReplySequence s_builtInDefault = new([FakeReply.Text("Hello from fake upstream")]);

    private readonly ConcurrentDictionary<string, ReplySequence> _byModel = new(StringComparer.Ordinal);
    private volatile ReplySequence _default = s_builtInDefault;
    private volatile Func<RecordedRequest, FakeReply?>? _handler;

    public bool HasHandler => _handler is not null;

    public IEnumerable<string> ScriptedModels => _byModel.Keys;

    public void Script(string model, FakeReply[] replies) => _byModel[model] = new ReplySequence(replies);

    public void ScriptDefault(FakeReply[] replies) => _default = new ReplySequence(replies);

    public void Handle(Func<RecordedRequest, FakeReply?>? handler) => _handler = handler;

    public void Reset()
    {
        _byModel.Clear();
        _default = s_builtInDefault;
        _handler = null;
    }

    public FakeReply Next(string model, RecordedRequest? recorded)
    {
        if (recorded is not null && _handler is { } handler && handler(recorded) is { } fromHandler)
        {
            return fromHandler;
        }

        return _byModel.TryGetValue(model, out ReplySequence? sequence) ? sequence.Next() : _default.Next();
    }

    /// <summary>Replies in order; the last one repeats for every later request.</summary>
    private sealed class ReplySequence
    {
        private readonly FakeReply[] _replies;
        private long _next = -1;

        public ReplySequence(FakeReply[] replies)
        {
            ArgumentNullException.ThrowIfNull(replies);
            if (replies.Length == 0)
            {
                throw new ArgumentException("Script at least one reply, e.g. FakeReply.Text(\"hi\").", nameof(replies));
            }

            foreach (FakeReply reply in replies)
            {
                ArgumentNullException.ThrowIfNull(reply, nameof(replies));
            }

            _replies = replies;
        }

        public FakeReply Next()
        {
            long index = Interlocked.Increment(ref _next);
            return _replies[index >= _replies.Length ? _replies.Length - 1 : (int)index];
        }
    }
}
