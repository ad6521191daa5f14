using System.Net;
using Ccr.Bench.Http;

namespace Ccr.Bench.Load;

/// <summary>What a burst of concurrent SSE streams measured.</summary>
internal sealed record StreamResult(int Streams, int Completed, int Errors, LatencyStats Ttfb, LatencyStats Total, double Seconds, string? FirstError);

/// <summary>
/// Opens N connections, then starts N streaming requests at once and reads each to its end. A stream is
/// complete when it answered 200 and its body ends with the protocol's last event.
/// </summary>
internal static class StreamLoad
{
    public static async Task<StreamResult> RunAsync(IPEndPoint target, byte[] request, ReadOnlyMemory<byte> endMarker, int streams, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var connections = new HttpClientConnection[streams];
        int errors = 0;
        string? firstError = null;

        // Connect first (bounded concurrency) so connection set-up is not counted as time to first byte.
        using (var gate = new SemaphoreSlim(64))
        {
            await Task.WhenAll(Enumerable.Range(0, streams).Select(async i =>
            {
                await gate.WaitAsync(cts.Token).ConfigureAwait(false);
                try
                {
                    connections[i] = new HttpClientConnection(target);
                    await connections[i].ConnectAsync(cts.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Interlocked.CompareExchange(ref firstError, "connect: " + e.Message, null);
                }
                finally
                {
                    gate.Release();
                }
            })).ConfigureAwait(false);
        }

        var ttfb = new long[streams];
        var total = new long[streams];
        var ok = new bool[streams];
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(i => Task.Run(async () =>
        {
            try
            {
                if (!connections[i].IsConnected)
                {
                    throw new IOException("not connected");
                }

                HttpExchange x = await connections[i].SendAsync(request, captureBody: true, cts.Token).ConfigureAwait(false);
                byte[] body = connections[i].CapturedBody!.ToArray();
                if (x.Status != 200 || body.AsSpan().LastIndexOf(endMarker.Span) < 0)
                {
                    throw new InvalidDataException($"HTTP {x.Status}, {body.Length} bytes, no end event");
                }

                ttfb[i] = x.FirstBodyTicks - x.StartTicks;
                total[i] = x.EndTicks - x.StartTicks;
                ok[i] = true;
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref errors);
                Interlocked.CompareExchange(ref firstError, e.GetType().Name + ": " + e.Message, null);
            }
            finally
            {
                connections[i].Dispose();
            }
        }))).ConfigureAwait(false);
        double seconds = (System.Diagnostics.Stopwatch.GetTimestamp() - started) / (double)System.Diagnostics.Stopwatch.Frequency;
        var okTtfb = new List<long>();
        var okTotal = new List<long>();
        for (int i = 0; i < streams; i++)
        {
            if (ok[i])
            {
                okTtfb.Add(ttfb[i]);
                okTotal.Add(total[i]);
            }
        }

        return new StreamResult(streams, okTtfb.Count, errors, new LatencyStats(okTtfb), new LatencyStats(okTotal), seconds, firstError);
    }
}
