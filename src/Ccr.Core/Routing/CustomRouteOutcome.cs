namespace Ccr.Core.Routing;

/// <summary>What one call of a custom router script came to.</summary>
internal enum CustomRouteOutcome
{
    /// <summary>The script returned nothing, $null or an empty string: Ccr's own choice stands.</summary>
    Keep,

    /// <summary>The script returned one string, still to be checked against the config.</summary>
    Value,

    /// <summary>The script threw (a terminating error).</summary>
    Threw,

    /// <summary>The script did not finish within <c>CUSTOM_ROUTER_TIMEOUT_MS</c>; it was stopped.</summary>
    TimedOut,

    /// <summary>The script returned something other than one string.</summary>
    NotAString,

    /// <summary>No runspace could take the call (the script is still loading, or the host is shutting down).</summary>
    Unavailable,
}
