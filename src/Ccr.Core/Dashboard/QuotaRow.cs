namespace Ccr.Core.Dashboard;

/// <summary>One quota window as the dashboard draws it: live used/limit/reset from <c>/ccr/tiers</c>, pace from <c>/ccr/usage</c>.</summary>
/// <param name="Provider">The provider.</param>
/// <param name="TierName">Its tier_name, or null.</param>
/// <param name="Window">FiveHour, Weekly or Monthly.</param>
/// <param name="Used">Requests counted in the window.</param>
/// <param name="Limit">Requests allowed; null when the plan (and so the limit) is unknown.</param>
/// <param name="ResetsAt">When the window next frees requests.</param>
/// <param name="RunsOutAt">When it runs out at the last hour's pace (Get-CcrUsage -Quota's forecast); null when it will not before the reset.</param>
/// <param name="Exhausted">True when the provider is out of this window (its limit reached, or the upstream said so).</param>
internal sealed record QuotaRow(string Provider, string? TierName, string Window, long Used, long? Limit, DateTimeOffset ResetsAt, DateTimeOffset? RunsOutAt, bool Exhausted);
