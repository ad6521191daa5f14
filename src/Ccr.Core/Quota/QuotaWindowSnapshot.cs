namespace Ccr.Core.Quota;

/// <summary>One quota window of a provider at a moment.</summary>
/// <param name="Name">FiveHour, Weekly or Monthly.</param>
/// <param name="Limit">Requests allowed in the window, or null for no limit (or, with <paramref name="LimitUnknown"/>, an unknown one).</param>
/// <param name="Used">Requests counted in the window.</param>
/// <param name="Left">Requests left (never negative), or null when there is no limit or it is unknown.</param>
/// <param name="ResetsAt">When the window next frees requests: the next calendar reset, or for the rolling window when its oldest counted request rolls off.</param>
/// <param name="LimitUnknown">
/// True when the provider is on a plan whose limit Ccr does not know (a Coding Plan with no <c>quota.plan</c>):
/// show <c>412/?</c>, not "unlimited". Nothing is enforced for such a window.
/// </param>
internal sealed record QuotaWindowSnapshot(string Name, int? Limit, long Used, long? Left, DateTimeOffset ResetsAt, bool LimitUnknown = false)
{
    /// <summary>True when the window has a limit and it is reached.</summary>
    public bool IsExhausted => Limit is not null && Used >= Limit.Value;
}
