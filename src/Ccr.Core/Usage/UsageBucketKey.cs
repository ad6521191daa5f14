namespace Ccr.Core.Usage;

/// <summary>One hourly bucket of one <see cref="UsageKey"/>: <paramref name="Hour"/> counts hours since the Unix epoch (UTC).</summary>
internal readonly record struct UsageBucketKey(long Hour, UsageKey Key)
{
    /// <summary>The hour <paramref name="time"/> falls in.</summary>
    public static long HourOf(DateTimeOffset time) => time.ToUnixTimeSeconds() / 3600;

    /// <summary>When hour <paramref name="hour"/> starts.</summary>
    public static DateTimeOffset StartOf(long hour) => DateTimeOffset.FromUnixTimeSeconds(hour * 3600);
}
