namespace Ccr.Core.Sessions;

/// <summary>Who last answered a Claude Code session.</summary>
/// <param name="Provider">The provider that answered.</param>
/// <param name="Model">The model as the provider knows it.</param>
/// <param name="TierName">The provider's tier_name, or tier-N.</param>
/// <param name="Fallback">True when a target other than the first planned one answered.</param>
/// <param name="At">When the answer started.</param>
internal sealed record SessionAnswer(string Provider, string Model, string TierName, bool Fallback, DateTimeOffset At);
