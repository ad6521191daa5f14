using System.Text.Json;
using Ccr.Core.Telemetry;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Telemetry;

public sealed class DecisionLogTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static DecisionLogEntry Attempt(string requestId, string tierName = "ccr-qwen") => new()
    {
        RequestId = requestId,
        Event = "attempt",
        RouteSource = "default",
        Provider = "qwen",
        Model = "qwen3-coder-plus",
        TierIndex = 0,
        TierName = tierName,
        Attempt = 1,
        Status = 200,
        Outcome = "ok",
        LatencyMs = 123.456,
        InputTokens = 1500,
        OutputTokens = 42,
    };

    private List<JsonElement> ReadLines(string? path = null)
    {
        var lines = new List<JsonElement>();
        foreach (string line in File.ReadAllLines(path ?? _folder.File(DecisionLog.FileName)))
        {
            using JsonDocument document = JsonDocument.Parse(line);
            lines.Add(document.RootElement.Clone());
        }

        return lines;
    }

    [Fact]
    public async Task Lines_AreJsonWithSnakeCaseKeysAndTierName()
    {
        await using (var log = new DecisionLog(_folder.Path, enabled: true, level: "info"))
        {
            Assert.Equal(_folder.File(DecisionLog.FileName), log.CurrentFilePath);
            log.Write(Attempt("req_1"));
            log.Write(new DecisionLogEntry { RequestId = "req_2", Event = "route", RouteSource = "preset", Preset = "fast", Provider = "glm", Model = "glm-4.6" });
        }

        List<JsonElement> lines = ReadLines();
        Assert.Equal(2, lines.Count);
        JsonElement first = lines[0];
        Assert.Equal("req_1", first.GetProperty("request_id").GetString());
        Assert.Equal("attempt", first.GetProperty("event").GetString());
        Assert.Equal("ccr-qwen", first.GetProperty("tier_name").GetString());
        Assert.Equal(0, first.GetProperty("tier_index").GetInt32());
        Assert.Equal(200, first.GetProperty("status").GetInt32());
        Assert.Equal(123.5, first.GetProperty("latency_ms").GetDouble());
        Assert.Equal(1500, first.GetProperty("input_tokens").GetInt64());
        Assert.True(DateTimeOffset.TryParse(first.GetProperty("time").GetString(), out _));

        JsonElement second = lines[1];
        Assert.False(second.TryGetProperty("tier_name", out _));
        Assert.False(second.TryGetProperty("status", out _));
        Assert.Equal("fast", second.GetProperty("preset").GetString());

        // What a user does: grep for the tier name.
        string[] qwenLines = File.ReadAllLines(_folder.File(DecisionLog.FileName)).Where(l => l.Contains("ccr-qwen", StringComparison.Ordinal)).ToArray();
        Assert.Single(qwenLines);
    }

    [Fact]
    public async Task RegisteredSecret_NeverReachesTheFile()
    {
        string secret = "sk-sp-" + Guid.NewGuid().ToString("N");
        SecretRedactor.Register(secret);
        await using (var log = new DecisionLog(_folder.Path, enabled: true, level: "debug"))
        {
            log.Write(Attempt("req_1") with { Outcome = "error", Status = 401, ErrorType = "authentication_error", ErrorMessage = "Incorrect API key provided: " + secret });
            log.Warn("upstream rejected key " + secret, "req_1");
            log.Debug("sent headers Authorization: Bearer " + secret);
        }

        string text = await File.ReadAllTextAsync(_folder.File(DecisionLog.FileName));
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.Contains("sk-sp-\u2026" + secret[^4..], text, StringComparison.Ordinal);
        Assert.Equal(3, ReadLines().Count);
    }

    [Theory]
    [InlineData("debug", 4)]
    [InlineData("info", 3)]
    [InlineData("warn", 2)]
    [InlineData("error", 1)]
    [InlineData("nonsense", 3)]
    public async Task Messages_HonourLogLevel_WhileDecisionsAreAlwaysWritten(string level, int expectedMessages)
    {
        await using (var log = new DecisionLog(_folder.Path, enabled: true, level: level))
        {
            log.Debug("d");
            log.Info("i");
            log.Warn("w", "req_9");
            log.Error("e");
            log.Write(Attempt("req_9"));
        }

        List<JsonElement> lines = ReadLines();
        Assert.Equal(expectedMessages, lines.Count(l => l.TryGetProperty("message", out _)));
        Assert.Single(lines, l => l.TryGetProperty("event", out _));
        if (expectedMessages >= 2)
        {
            Assert.Contains(lines, l => l.TryGetProperty("level", out JsonElement lv) && lv.GetString() == "warn" && l.GetProperty("request_id").GetString() == "req_9");
        }
    }

    [Fact]
    public async Task Disabled_WritesNothing()
    {
        await using (var log = new DecisionLog(_folder.Path, enabled: false, level: "debug"))
        {
            Assert.Null(log.CurrentFilePath);
            log.Write(Attempt("req_1"));
            log.Warn("nope");
            await log.FlushAsync(CancellationToken.None);
        }

        Assert.False(File.Exists(_folder.File(DecisionLog.FileName)));
    }

    [Fact]
    public async Task Rotation_KeepsFilesUnderTheSizeAndTheNewestFive()
    {
        const long maxBytes = 4096;
        await using (var log = new DecisionLog(_folder.Path, enabled: true, level: "info", time: null, maxFileBytes: maxBytes, keepFiles: 5))
        {
            for (int i = 0; i < 400; i++)
            {
                log.Write(Attempt("req_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        string live = _folder.File(DecisionLog.FileName);
        string[] files = Directory.GetFiles(_folder.Path).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "ccr.log", "ccr.log.1", "ccr.log.2", "ccr.log.3", "ccr.log.4", "ccr.log.5" }, files);
        foreach (string file in Directory.GetFiles(_folder.Path))
        {
            Assert.InRange(new FileInfo(file).Length, 1, maxBytes);
            Assert.All(ReadLines(file), l => Assert.Equal("ccr-qwen", l.GetProperty("tier_name").GetString()));
        }

        // The newest line is in the live file, and older lines are in higher-numbered files.
        Assert.Equal("req_399", ReadLines(live)[^1].GetProperty("request_id").GetString());
        int Number(string path) => int.Parse(ReadLines(path)[0].GetProperty("request_id").GetString()!["req_".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Number(live + ".1") > Number(live + ".2"));
    }

    [Fact]
    public async Task Dispose_FlushesEverythingQueued()
    {
        var log = new DecisionLog(_folder.Path, enabled: true, level: "info");
        for (int i = 0; i < 2_000; i++)
        {
            log.Write(Attempt("req_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        await log.DisposeAsync();
        Assert.Equal(2_000, ReadLines().Count);
        Assert.Equal(0, log.Dropped);

        // Writing after disposal is ignored, not thrown.
        log.Write(Attempt("late"));
        log.Warn("late");
    }

    [Fact]
    public async Task FlushAsync_MakesLinesReadableWhileTheLogStaysOpen()
    {
        await using var log = new DecisionLog(_folder.Path, enabled: true, level: "info");
        log.Write(Attempt("req_1"));
        await log.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        using var reader = new FileStream(_folder.File(DecisionLog.FileName), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var text = new StreamReader(reader);
        Assert.Contains("\"request_id\":\"req_1\"", await text.ReadToEndAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyThreadsWriting_ProduceWholeLines()
    {
        await using (var log = new DecisionLog(_folder.Path, enabled: true, level: "info"))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
            {
                for (int i = 0; i < 500; i++)
                {
                    log.Write(Attempt("t" + t.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }
            }))).WaitAsync(TimeSpan.FromSeconds(20));
            await log.FlushAsync(CancellationToken.None);
            Assert.Equal(4_000, ReadLines().Count + log.Dropped);
        }
    }
}
