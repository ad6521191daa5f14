namespace Ccr.Core.Server;

/// <summary>How starting a detached proxy ended.</summary>
/// <param name="Health">The detached proxy's health once it answers; null when it did not answer in time (the child was killed).</param>
/// <param name="Output">What the child wrote to stdout and stderr before it failed; empty on success or when it wrote nothing.</param>
internal sealed record DetachedLaunchResult(ProxyHealth? Health, string Output);
