using System.Diagnostics;
using System.Globalization;

namespace Ccr.Bench.Targets;

/// <summary>
/// Resident memory and CPU time of a process and all its descendants (a proxy may run under a launcher:
/// dotnet pwsh, or node spawned by a shell). Linux reads /proc; elsewhere the root process alone.
/// </summary>
internal static class ProcessTree
{
    public static IReadOnlyList<int> Descendants(int root)
    {
        var result = new List<int> { root };
        if (!OperatingSystem.IsLinux())
        {
            return result;
        }

        var parents = new Dictionary<int, int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            string[]? stat = ReadStat(pid);
            if (stat is not null)
            {
                parents[pid] = int.Parse(stat[1], CultureInfo.InvariantCulture);
            }
        }

        for (int i = 0; i < result.Count; i++)
        {
            foreach ((int pid, int parent) in parents)
            {
                if (parent == result[i] && !result.Contains(pid))
                {
                    result.Add(pid);
                }
            }
        }

        return result;
    }

    /// <summary>Resident set size in bytes of the whole tree.</summary>
    public static long RssBytes(int root)
    {
        long total = 0;
        foreach (int pid in Descendants(root))
        {
            total += RssOf(pid);
        }

        return total;
    }

    /// <summary>User plus system CPU time of the whole tree.</summary>
    public static TimeSpan CpuTime(int root)
    {
        if (!OperatingSystem.IsLinux())
        {
            try
            {
                using var p = Process.GetProcessById(root);
                return p.TotalProcessorTime;
            }
            catch (ArgumentException)
            {
                return TimeSpan.Zero;
            }
        }

        long ticks = 0;
        foreach (int pid in Descendants(root))
        {
            string[]? stat = ReadStat(pid);
            if (stat is not null)
            {
                // Fields after the command: state(0) ppid(1) ... utime(11) stime(12).
                ticks += long.Parse(stat[11], CultureInfo.InvariantCulture) + long.Parse(stat[12], CultureInfo.InvariantCulture);
            }
        }

        // USER_HZ is 100 on every Linux the bench targets.
        return TimeSpan.FromMilliseconds(ticks * 10.0);
    }

    private static long RssOf(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                foreach (string line in File.ReadLines($"/proc/{pid}/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        string kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                        return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                    }
                }
            }
            catch (IOException)
            {
            }

            return 0;
        }

        try
        {
            using var p = Process.GetProcessById(pid);
            return p.WorkingSet64;
        }
        catch (ArgumentException)
        {
            return 0;
        }
    }

    // /proc/<pid>/stat split after the parenthesised command name, which may itself hold spaces.
    private static string[]? ReadStat(int pid)
    {
        try
        {
            string text = File.ReadAllText($"/proc/{pid}/stat");
            int close = text.LastIndexOf(')');
            return text[(close + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>Samples a process tree's RSS on a timer and keeps the peak.</summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak;

    public RssSampler(int pid, TimeSpan interval)
    {
        _pid = pid;
        _peak = ProcessTree.RssBytes(pid);
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
                {
                    long rss = ProcessTree.RssBytes(_pid);
                    if (rss > Interlocked.Read(ref _peak))
                    {
                        Interlocked.Exchange(ref _peak, rss);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public long PeakBytes => Interlocked.Read(ref _peak);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
