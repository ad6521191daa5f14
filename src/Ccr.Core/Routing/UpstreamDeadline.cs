namespace Ccr.Core.Routing;

/// <summary>Which deadline ended an attempt or a request; the decision log and Get-CcrTier name it.</summary>
internal enum UpstreamDeadline
{
    /// <summary>No deadline fired.</summary>
    None,

    /// <summary><c>connect_timeout</c>: the connection to the upstream did not open within CONNECT_TIMEOUT_MS.</summary>
    Connect,

    /// <summary><c>first_byte_timeout</c>: no first byte (for a stream, no first event) within the first-byte deadline.</summary>
    FirstByte,

    /// <summary><c>idle_timeout</c>: the answer went silent for API_TIMEOUT_MS after it had begun.</summary>
    Idle,

    /// <summary><c>request_timeout</c>: the whole request, fallbacks included, ran past REQUEST_TIMEOUT_MS.</summary>
    Request,

    /// <summary><c>proxy_shutdown</c>: the proxy stopped (its session closed) and its drain time ran out before the answer did.</summary>
    Shutdown,
}
