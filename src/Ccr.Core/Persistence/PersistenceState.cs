namespace Ccr.Core.Persistence;

/// <summary>How the shared state stands.</summary>
internal enum PersistenceState
{
    /// <summary>Local mode: the state files only.</summary>
    Local,

    /// <summary>Redis mode, before the first connection answered.</summary>
    Connecting,

    /// <summary>Redis mode, the last exchange with Redis worked.</summary>
    Connected,

    /// <summary>Redis mode, Redis cannot be reached, refused the credentials or is too slow: routing goes on on the local view.</summary>
    Unreachable,
}
