namespace Ccr.Core.Providers;

/// <summary>What an upstream error says about limits, weakest first.</summary>
internal enum UpstreamLimitKind
{
    /// <summary>Not a limit.</summary>
    None,

    /// <summary>A short-term rate limit: retry after a pause.</summary>
    RateLimited,

    /// <summary>The plan's quota or balance is used up: the provider is out until the window resets.</summary>
    QuotaExceeded,
}
