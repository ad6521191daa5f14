using System.Diagnostics;

namespace Ccr.Bench.Load;

/// <summary>Percentiles over every recorded sample (sorted once; exact, no bucketing).</summary>
internal sealed class LatencyStats
{
    private readonly double[] _sortedMs;

    public LatencyStats(IEnumerable<long> ticks)
    {
        _sortedMs = ticks.Select(t => t * 1000.0 / Stopwatch.Frequency).ToArray();
        Array.Sort(_sortedMs);
    }

    public int Count => _sortedMs.Length;

    public double P50 => Percentile(50);

    public double P90 => Percentile(90);

    public double P99 => Percentile(99);

    public double Max => _sortedMs.Length == 0 ? double.NaN : _sortedMs[^1];

    public double Mean => _sortedMs.Length == 0 ? double.NaN : _sortedMs.Average();

    public double Percentile(double p)
    {
        if (_sortedMs.Length == 0)
        {
            return double.NaN;
        }

        int index = (int)Math.Ceiling(p / 100.0 * _sortedMs.Length) - 1;
        return _sortedMs[Math.Clamp(index, 0, _sortedMs.Length - 1)];
    }
}
