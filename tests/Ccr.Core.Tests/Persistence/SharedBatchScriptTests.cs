using Ccr.Core.Persistence;
using Ccr.Core.Quota;
using Ccr.Core.Tests.TestSupport;
using Ccr.Core.Usage;
using StackExchange.Redis;

namespace Ccr.Core.Tests.Persistence;

/// <summary>The flush script against a real redis-server: a resent batch counts once, and marks keep the later time.</summary>
public class SharedBatchScriptTests
{
    [RedisFact]
    public async Task ABatchSentTwice_UnderOneId_CountsOnce()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using ConnectionMultiplexer connection = await redis.ConnectAsync();
        IDatabase db = connection.GetDatabase();
        var keys = new RedisKeys("t:");
        long minute = QuotaCalendar.MinuteOf(DateTimeOffset.UtcNow);
        var usageKey = new UsageBucketKey(minute / 60, new UsageKey("p", "m", "tier"));
        var batch = new SharedBatch(
            new Dictionary<(string Provider, long Minute), int> { [("p", minute)] = 3 },
            new Dictionary<string, int> { ["p"] = 1 },
            new Dictionary<string, (DateTimeOffset Until, QuotaWindowKind Window)>(),
            new Dictionary<UsageBucketKey, UsageCounts> { [usageKey] = new UsageCounts { Requests = 3, InputTokens = 30 } },
            new Dictionary<string, (DateTimeOffset Until, string Reason)>());
        RedisValue[] args = batch.BuildArguments(keys, _ => "hash1").ToArray();

        RedisResult first = await db.ScriptEvaluateAsync(SharedBatchScript.Text, new RedisKey[] { keys.Batch(batch.Id) }, args);
        RedisResult again = await db.ScriptEvaluateAsync(SharedBatchScript.Text, new RedisKey[] { keys.Batch(batch.Id) }, args);

        Assert.Equal(1, (int)first);
        Assert.Equal(0, (int)again);
        Assert.Equal(3, (int)await db.HashGetAsync(keys.QuotaMinutes("hash1", minute / 60), minute));
        Assert.Equal(3, (int)await db.StringGetAsync(keys.QuotaWeek("hash1", QuotaCalendar.WeekStart(QuotaCalendar.MinuteStart(minute)))));
        Assert.Equal(30, (int)await db.HashGetAsync(keys.UsageHour(usageKey.Hour), SharedUsageField.Prefix("hash1", usageKey.Key) + SharedUsageField.Input));
        Assert.True(await db.KeyTimeToLiveAsync(keys.QuotaMinutes("hash1", minute / 60)) is TimeSpan ttl && ttl > TimeSpan.FromHours(5));
    }

    [RedisFact]
    public async Task Marks_KeepTheLaterTime_AndExpireWithIt()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using ConnectionMultiplexer connection = await redis.ConnectAsync();
        IDatabase db = connection.GetDatabase();
        var keys = new RedisKeys("t:");
        DateTimeOffset now = DateTimeOffset.UtcNow;

        await SendMarkAsync(db, keys, now.AddMinutes(30));
        await SendMarkAsync(db, keys, now.AddMinutes(10));

        string mark = (string)(await db.StringGetAsync(keys.Exhausted("hash1")))!;
        Assert.StartsWith(now.AddMinutes(30).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) + "|Weekly", mark, StringComparison.Ordinal);
        Assert.True(await db.KeyTimeToLiveAsync(keys.Exhausted("hash1")) is TimeSpan ttl && ttl > TimeSpan.FromMinutes(29));
        string cooldown = (string)(await db.HashGetAsync(keys.Cooldowns("hash1"), "m"))!;
        Assert.EndsWith("|429 Retry-After", cooldown, StringComparison.Ordinal);
        Assert.StartsWith(now.AddMinutes(30).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), cooldown, StringComparison.Ordinal);
    }

    private static async Task SendMarkAsync(IDatabase db, RedisKeys keys, DateTimeOffset until)
    {
        var batch = new SharedBatch(
            new Dictionary<(string Provider, long Minute), int>(),
            new Dictionary<string, int>(),
            new Dictionary<string, (DateTimeOffset Until, QuotaWindowKind Window)> { ["p"] = (until, QuotaWindowKind.Weekly) },
            new Dictionary<UsageBucketKey, UsageCounts>(),
            new Dictionary<string, (DateTimeOffset Until, string Reason)> { ["p,m"] = (until, "429 Retry-After") });
        await db.ScriptEvaluateAsync(SharedBatchScript.Text, new RedisKey[] { keys.Batch(batch.Id) }, batch.BuildArguments(keys, _ => "hash1").ToArray());
    }
}
