namespace Ccr.Core.Routing;

/// <summary>What a one-token request to one provider found wrong; each needs a different fix from the user.</summary>
internal enum ProviderPingFailure
{
    /// <summary>The provider answered.</summary>
    None,

    /// <summary>The caller's token was cancelled (Ctrl+C or the caller's own time limit) before an answer.</summary>
    Cancelled,

    /// <summary>The upstream did not answer within API_TIMEOUT_MS.</summary>
    Timeout,

    /// <summary>The endpoint could not be reached (DNS, connect, TLS, proxy).</summary>
    Network,

    /// <summary>The key was refused.</summary>
    Auth,

    /// <summary>The provider's quota is used up.</summary>
    QuotaExceeded,

    /// <summary>The provider asked to back off.</summary>
    RateLimited,

    /// <summary>The provider refused the request itself (bad request, context too long): usually the model name.</summary>
    RequestRefused,

    /// <summary>Any other failure (server error, an answer that is not a valid response).</summary>
    Failed,
}
