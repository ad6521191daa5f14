using System.Text.Json;
using Ccr.Core.Config;
using Ccr.Core.Quota;

namespace Ccr.Core.Server;

/// <summary>One tier's live state, as Get-CcrTier shows it and <c>GET /ccr/tiers</c> reports it.</summary>
internal sealed record TierStatus(
    int Index,
    string Provider,
    string Model,
    string? TierName,
    string State,
    DateTimeOffset? Until,
    long Requests,
    long Failures,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    IReadOnlyList<QuotaWindowSnapshot> Quota);
