using System.Collections.Concurrent;

namespace FakeUpstream;

/// <summary>The most recent requests (bounded, so soak tests keep flat memory) and an exact count per model.</summary>
internal sealed class RequestLog
{
    private readonly int _capacity;
    private readonly Queue<RecordedRequest> _recent = new();
    private readonly ConcurrentDictionary<string, int> _countByModel = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public RequestLog(int capacity)
    {
        _capacity = capacity;
    }

    public void Add(RecordedRequest request)
    {
        lock (_gate)
        {
            if (_recent.Count >= _capacity)
            {
                _recent.Dequeue();
            }

            _recent.Enqueue(request);
        }
    }

    public void Count(string model)
    {
        if (model.Length > 0)
        {
            _countByModel.AddOrUpdate(model, 1, static (_, n) => n + 1);
        }
    }

    public int CountFor(string model) => _countByModel.TryGetValue(model, out int n) ? n : 0;

    public IReadOnlyList<RecordedRequest> Snapshot()
    {
        lock (_gate)
        {
            return _recent.ToArray();
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _recent.Clear();
        }

        _countByModel.Clear();
    }
}
