using System.Text;
using Ccr.Bench.Http;
using Ccr.Bench.Load;
using Ccr.Bench.Targets;

namespace Ccr.Bench.Scenarios;

/// <summary>
/// Claude Code's status line: <c>POST /ccr/statusline</c> with the status JSON Claude Code pipes to the command,
/// many times over one keep-alive connection, for a session the proxy has served (the line it builds then reads
/// the session map and the quota windows). Latency is send to last byte on loopback, so it bounds the proxy's
/// own time from above.
/// </summary>
internal static class StatusLineScenario
{
    private const string SessionId = "bench-statusline-0000-0000-000000000001";

    public static async Task<StatusLineRow> RunAsync(BenchTarget ccr, int samples, CancellationToken ct)
    {
        var ticks = new List<long>(samples);
        string? error = null;
        string line = "";
        using var c = new HttpClientConnection(ccr.EndPoint);
        try
        {
            // One routed request in the session first, so the line is the one a live session gets.
            string userId = "{\\\"device_id\\\":\\\"bench\\\",\\\"account_uuid\\\":\\\"bench\\\",\\\"session_id\\\":\\\"" + SessionId + "\\\"}";
            string message = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,\"metadata\":{\"user_id\":\"" + userId + "\"},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            HttpExchange routed = await c.SendAsync(Requests.Build(ccr.EndPoint, "/v1/messages", message), captureBody: false, ct);
            if (routed.Status != 200)
            {
                throw new InvalidOperationException($"the session's first request answered HTTP {routed.Status}");
            }

            string status = "{\"hook_event_name\":\"Status\",\"session_id\":\"" + SessionId + "\",\"transcript_path\":\"/tmp/t.jsonl\",\"cwd\":\"/w\"," +
                "\"model\":{\"id\":\"claude-sonnet-4-5\",\"display_name\":\"Sonnet\"},\"workspace\":{\"current_dir\":\"/w\",\"project_dir\":\"/w\"}," +
                "\"version\":\"2.1.3\",\"output_style\":{\"name\":\"default\"},\"cost\":{\"total_cost_usd\":0.0123,\"total_duration_ms\":45000,\"total_api_duration_ms\":2300,\"total_lines_added\":156,\"total_lines_removed\":23}}";
            byte[] request = Requests.Build(ccr.EndPoint, "/ccr/statusline", status);
            int warmUp = Math.Max(50, samples / 10);
            for (int i = 0; i < warmUp + samples; i++)
            {
                HttpExchange x = await c.SendAsync(request, captureBody: i == 0, ct);
                if (x.Status != 200)
                {
                    throw new InvalidOperationException($"/ccr/statusline answered HTTP {x.Status}");
                }

                if (i == 0)
                {
                    line = Encoding.UTF8.GetString(c.CapturedBody!.ToArray());
                }

                if (i >= warmUp)
                {
                    ticks.Add(x.EndTicks - x.StartTicks);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = ChildProcesses.Trim($"{e.GetType().Name}: {e.Message}");
        }

        var stats = new LatencyStats(ticks);
        return new StatusLineRow(ccr.Name, stats.Count, stats.P50, stats.P99, stats.Max, System.Text.RegularExpressions.Regex.Replace(line, "\u001b\\[[0-9;]*m", ""), error);
    }
}
