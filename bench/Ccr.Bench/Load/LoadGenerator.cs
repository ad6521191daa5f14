using System.Diagnostics;
using System.Net;
using Ccr.Bench.Http;

namespace Ccr.Bench.Load;

/// <summary>What one closed-loop load run measured.</summary>
internal sealed record LoadResult(long Requests, long Errors, double Seconds, List<long> LatencyTicks, string? FirstError)
{
    public double RequestsPerSecond => Requests / Seconds;

    public LatencyStats Latency { get; } = new(LatencyTicks);

    public static LoadResult Combine(IReadOnlyList<LoadResult> parts)
    {
        var ticks = new List<long>();
        foreach (LoadResult p in parts)
        {
            ticks.AddRange(p.LatencyTicks);
        }

        return new LoadResult(parts.Sum(p => p.Requests), parts.Sum(p => p.Errors), parts.Sum(p => p.Seconds), ticks,
            parts.Select(p => p.FirstError).FirstOrDefault(e => e is not null));
    }
}

/// <summary>
/// Closed-loop load: N keep-alive connections, each sending the same pre-built request as soon as the
/// previous answer is read, for a fixed time. Latency is send-start to last body byte.
/// </summary>
internal static class LoadGenerator
{
    public static async Task<LoadResult> RunAsync(IPEndPoint target, byte[] request, int connections, TimeSpan duration, CancellationToken ct)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long requests = 0;
        long errors = 0;
        string? firstError = null;
        var perConnection = new List<long>[connections];
        long started = Stopwatch.GetTimestamp();
        var workers = new Task[connections];
        for (int c = 0; c < connections; c++)
        {
            int index = c;
            workers[c] = Task.Run(async () =>
            {
                var samples = new List<long>(64 * 1024);
                perConnection[index] = samples;
                using var connection = new HttpClientConnection(target);
                while (Stopwatch.GetTimestamp() < deadline && !ct.IsCancellationRequested)
                {
                    try
                    {
                        HttpExchange x = await connection.SendAsync(request, captureBody: false, ct).ConfigureAwait(false);
                        if (x.Status == 200)
                        {
                            samples.Add(x.EndTicks - x.StartTicks);
                            Interlocked.Increment(ref requests);
                        }
                        else
                        {
                            Interlocked.Increment(ref errors);
                            Interlocked.CompareExchange(ref firstError, $"HTTP {x.Status}", null);
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, e.GetType().Name + ": " + e.Message, null);
                        connection.Close();
                        await Task.Delay(10, ct).ConfigureAwait(false);
                    }
                }
            }, ct);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        double seconds = (Stopwatch.GetTimestamp() - started) / (double)Stopwatch.Frequency;
        var all = new List<long>((int)Math.Min(requests, int.MaxValue / 2));
        foreach (List<long> s in perConnection)
        {
            all.AddRange(s);
        }

        return new LoadResult(requests, errors, seconds, all, firstError);
    }
}
