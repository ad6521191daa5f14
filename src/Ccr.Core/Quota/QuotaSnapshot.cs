namespace Ccr.Core.Quota;

/// <summary>A provider's quota state at a moment.</summary>
/// <param name="Provider">The provider name.</param>
/// <param name="Windows">FiveHour, Weekly and Monthly, in that order.</param>
/// <param name="ExhaustedUntil">Set while upstream's quota_exceeded keeps the provider out.</param>
/// <param name="ExhaustedWindow">While <paramref name="ExhaustedUntil"/> is set, the window the upstream's message named.</param>
internal sealed record QuotaSnapshot(string Provider, IReadOnlyList<QuotaWindowSnapshot> Windows, DateTimeOffset? ExhaustedUntil, QuotaWindowKind ExhaustedWindow = QuotaWindowKind.Unknown)
{
    /// <summary>The window called <paramref name="name"/>.</summary>
    public QuotaWindowSnapshot this[string name]
    {
        get
        {
            foreach (QuotaWindowSnapshot window in Windows)
            {
                if (string.Equals(window.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return window;
                }
            }

            throw new KeyNotFoundException("No quota window named '" + name + "'; expected FiveHour, Weekly or Monthly.");
        }
    }
}
