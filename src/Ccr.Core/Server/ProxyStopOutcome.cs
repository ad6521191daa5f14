namespace Ccr.Core.Server;

/// <summary>How asking a proxy in another process to stop ended.</summary>
internal enum ProxyStopOutcome
{
    /// <summary>It accepted and its port no longer answers.</summary>
    Stopped,

    /// <summary>It did not accept: the control token is missing or wrong (another user, another CCR_HOME), or it did not answer.</summary>
    Refused,

    /// <summary>It accepted but still answers after the wait limit (long streams still draining).</summary>
    TimedOut,
}
