namespace Ccr.Core.Routing;

/// <summary>
/// One loaded custom router script, run by a host that can execute it (Ccr.PowerShell's runspaces). Core knows only this
/// seam: it hands over the request object and a budget, and never waits past the budget whatever the host does.
/// </summary>
internal interface ICustomRouterScript : IAsyncDisposable
{
    /// <summary>Completes when the script can take calls; faults when it cannot be made ready (its message says why).</summary>
    Task Ready { get; }

    /// <summary>Whether the script's text names <c>TokenCount</c>; when not, the request object's count is left at -1 rather than computed.</summary>
    bool UsesTokenCount { get; }

    /// <summary>
    /// Runs the script for one request. When <paramref name="budget"/> fires the host stops the call without waiting for it and
    /// answers <see cref="CustomRouteOutcome.TimedOut"/>; it never throws for anything the script does.
    /// </summary>
    ValueTask<CustomRouteChoice> ChooseAsync(CustomRouteRequest request, CancellationToken budget);
}
