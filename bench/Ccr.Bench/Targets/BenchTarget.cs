using System.Diagnostics;
using System.Net;
using System.Text;
using Ccr.Bench.Http;

namespace Ccr.Bench.Targets;

/// <summary>One thing the scenarios drive: the mock directly, Ccr, or claude-code-router.</summary>
internal sealed class BenchTarget
{
    public required string Name { get; init; }

    public required IPEndPoint EndPoint { get; init; }

    /// <summary>The process whose tree is sampled for RSS and CPU; null when nothing runs apart.</summary>
    public int? ProcessId { get; init; }

    /// <summary>Anthropic Messages (proxies) or OpenAI chat completions (the mock itself).</summary>
    public required bool SpeaksAnthropic { get; init; }

    public required string MessagesPath { get; init; }

    public byte[] Request(string json) => Requests.Build(EndPoint, MessagesPath, json);

    /// <summary>The last event of a complete stream in this target's protocol.</summary>
    public ReadOnlyMemory<byte> StreamEnd => SpeaksAnthropic ? "message_stop"u8.ToArray() : "[DONE]"u8.ToArray();
}

/// <summary>Builds raw HTTP/1.1 request bytes once, before the clock starts.</summary>
internal static class Requests
{
    public static byte[] Build(IPEndPoint endPoint, string path, string json, string method = "POST")
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        string head = $"{method} {path} HTTP/1.1\r\nHost: {endPoint}\r\nContent-Type: application/json\r\nAccept: */*\r\n"
            + "anthropic-version: 2023-06-01\r\nx-api-key: sk-bench-client\r\nAuthorization: Bearer sk-bench-client\r\n"
            + $"Content-Length: {body.Length}\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    public static byte[] Get(IPEndPoint endPoint, string path)
        => Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {endPoint}\r\nAccept: */*\r\n\r\n");

    /// <summary>Polls GET /health until it answers 200; returns the time that took.</summary>
    public static async Task<TimeSpan> WaitHealthyAsync(IPEndPoint endPoint, TimeSpan timeout, Func<bool>? stillAlive, CancellationToken ct)
    {
        byte[] request = Get(endPoint, "/health");
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (stillAlive is not null && !stillAlive())
            {
                throw new InvalidOperationException("The process exited before /health answered.");
            }

            using var connection = new HttpClientConnection(endPoint);
            try
            {
                HttpExchange x = await connection.SendAsync(request, captureBody: false, ct).ConfigureAwait(false);
                if (x.Status == 200)
                {
                    return sw.Elapsed;
                }
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
            {
            }

            await Task.Delay(2, ct).ConfigureAwait(false);
        }

        throw new TimeoutException($"GET http://{endPoint}/health did not answer 200 within {timeout.TotalSeconds:0} s.");
    }
}
