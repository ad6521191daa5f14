using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Ccr.Bench.Scenarios;

/// <summary>
/// Listens to the runtime's GC AllocationTick event (one sample about every 100 KB allocated, naming the type
/// that crossed the mark) and totals the samples per type: a cheap, in-process answer to "what allocates".
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const int AllocationTickEventId = 10;
    private readonly ConcurrentDictionary<string, long> _samples = new(StringComparer.Ordinal);
    private volatile bool _recording;

    public void Start()
    {
        _samples.Clear();
        _recording = true;
    }

    public void Stop() => _recording = false;

    /// <summary>The types with the most sampled allocation, and each one's share of all samples.</summary>
    public IReadOnlyList<AllocationShare> Top(int count)
    {
        long total = _samples.Values.Sum();
        return _samples.OrderByDescending(p => p.Value).Take(count)
            .Select(p => new AllocationShare(p.Key, total == 0 ? 0 : (double)p.Value / total))
            .ToList();
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventId != AllocationTickEventId || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        int typeIndex = eventData.PayloadNames.IndexOf("TypeName");
        int amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        if (typeIndex < 0 || eventData.Payload[typeIndex] is not string type)
        {
            return;
        }

        long amount = amountIndex >= 0 && eventData.Payload[amountIndex] is ulong a ? (long)a : 100_000;
        _samples.AddOrUpdate(type, amount, (_, old) => old + amount);
    }
}

/// <summary>One type's share of the sampled allocations.</summary>
internal sealed record AllocationShare(string Type, double Share);
