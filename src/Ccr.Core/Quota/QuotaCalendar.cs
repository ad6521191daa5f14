namespace Ccr.Core.Quota;

/// <summary>
/// Where Coding Plan quota windows start and end. Resets happen at midnight China Standard Time
/// (UTC+8) whatever the user's own zone, so every computation converts to that offset first.
/// </summary>
internal static class QuotaCalendar
{
    /// <summary>The offset whose midnight resets the weekly and monthly windows.</summary>
    public static readonly TimeSpan ResetOffset = TimeSpan.FromHours(8);

    /// <summary>The length of the rolling window.</summary>
    public static readonly TimeSpan FiveHours = TimeSpan.FromHours(5);

    /// <summary>The granularity requests are counted at in the rolling window.</summary>
    public static readonly TimeSpan BucketLength = TimeSpan.FromMinutes(1);

    /// <summary>The minute bucket (minutes since the Unix epoch) that holds <paramref name="time"/>.</summary>
    public static long MinuteOf(DateTimeOffset time) => Math.DivRem(time.ToUnixTimeSeconds(), 60, out long rem) - (rem < 0 ? 1 : 0);

    /// <summary>The start of minute bucket <paramref name="minute"/>.</summary>
    public static DateTimeOffset MinuteStart(long minute) => DateTimeOffset.FromUnixTimeSeconds(minute * 60);

    /// <summary>
    /// When a bucket stops counting in the rolling window. A bucket leaves only once its last possible
    /// request is five hours old, so local counting never lets through more than upstream allows.
    /// </summary>
    public static DateTimeOffset RollOff(long minute) => MinuteStart(minute) + BucketLength + FiveHours;

    /// <summary>True while bucket <paramref name="minute"/> still counts in the rolling window at <paramref name="now"/>.</summary>
    public static bool InFiveHourWindow(long minute, DateTimeOffset now) => now < RollOff(minute) && MinuteStart(minute) <= now;

    /// <summary>The Monday 00:00 UTC+8 that starts the week holding <paramref name="time"/>.</summary>
    public static DateTimeOffset WeekStart(DateTimeOffset time)
    {
        DateTime local = time.ToOffset(ResetOffset).DateTime.Date;
        int daysSinceMonday = ((int)local.DayOfWeek + 6) % 7;
        return new DateTimeOffset(local.AddDays(-daysSinceMonday), ResetOffset);
    }

    /// <summary>The renewal (00:00 UTC+8 on the renewal day, clamped to the month's length) that starts the period holding <paramref name="time"/>.</summary>
    public static DateTimeOffset MonthStart(DateTimeOffset time, int renewalDay)
    {
        DateTime local = time.ToOffset(ResetOffset).DateTime;
        DateTime candidate = RenewalIn(local.Year, local.Month, renewalDay);
        if (local < candidate)
        {
            DateTime previous = new DateTime(local.Year, local.Month, 1).AddMonths(-1);
            candidate = RenewalIn(previous.Year, previous.Month, renewalDay);
        }

        return new DateTimeOffset(candidate, ResetOffset);
    }

    /// <summary>The renewal after the period that starts at <paramref name="periodStart"/>.</summary>
    public static DateTimeOffset NextMonthStart(DateTimeOffset periodStart, int renewalDay)
    {
        DateTime local = periodStart.ToOffset(ResetOffset).DateTime;
        DateTime next = new DateTime(local.Year, local.Month, 1).AddMonths(1);
        return new DateTimeOffset(RenewalIn(next.Year, next.Month, renewalDay), ResetOffset);
    }

    private static DateTime RenewalIn(int year, int month, int renewalDay) =>
        new(year, month, Math.Clamp(renewalDay, 1, DateTime.DaysInMonth(year, month)));
}
