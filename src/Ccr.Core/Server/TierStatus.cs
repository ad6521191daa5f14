using Ccr.Core.Quota;

namespace Ccr.Core.Server;

/// <summary>
/// One tier's live state, as Get-CcrTier shows it and <c>GET /ccr/tiers</c> reports it; <c>State</c> is null when a proxy
/// of another version names a state this one does not know. <c>QuotaWindow</c> names the window that is used up while the
/// state is QuotaExhausted (FiveHour, Weekly, Monthly), or null when the upstream did not say.
/// </summary>
internal sealed record TierStatus(
    int Index,
    string Provider,
    string Model,
    string? TierName,
    TierAvailability? State,
    DateTimeOffset? Until,
    long Requests,
    long Failures,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    IReadOnlyList<QuotaWindowSnapshot> Quota,
    string? QuotaWindow = null);
