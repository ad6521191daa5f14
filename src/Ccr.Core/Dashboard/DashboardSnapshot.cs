using Ccr.Core.Server;

namespace Ccr.Core.Dashboard;

/// <summary>
/// Everything one dashboard frame shows, read from a proxy at one moment. <see cref="Problem"/> says why the proxy could not
/// be read (gone, refusing the key); the last good figures stay in the other fields so the frame does not go blank.
/// </summary>
/// <param name="Time">When it was read.</param>
/// <param name="Address">The proxy's <c>host:port</c>.</param>
/// <param name="Health">The proxy's <c>/health</c>, or null when it did not answer.</param>
/// <param name="Tiers">Tiers in priority order, with state and counts.</param>
/// <param name="Live">Latency, traffic and recent decisions; null before the first read.</param>
/// <param name="Quota">Quota windows of the providers that have them.</param>
/// <param name="Problem">Why this read failed, in words that say what to do; null when it did not.</param>
internal sealed record DashboardSnapshot(
    DateTimeOffset Time,
    string Address,
    ProxyHealth? Health,
    IReadOnlyList<TierStatus> Tiers,
    LiveReport? Live,
    IReadOnlyList<QuotaRow> Quota,
    string? Problem);
