namespace Ccr.Core.Quota;

/// <summary>A Coding Plan quota window, as an upstream's quota message names it (the member names are the snapshot names).</summary>
internal enum QuotaWindowKind
{
    /// <summary>The message says the quota is used up but not which window.</summary>
    Unknown,

    /// <summary>The rolling five hours.</summary>
    FiveHour,

    /// <summary>The week from Monday 00:00 UTC+8.</summary>
    Weekly,

    /// <summary>The monthly period from the renewal day.</summary>
    Monthly,
}
