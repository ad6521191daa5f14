namespace Ccr.Core.Routing;

/// <summary>Whether a person can be at the keyboard of the host a request is sent from, and if not, why.</summary>
/// <param name="IsInteractive">True when the host looks interactive.</param>
/// <param name="NonInteractiveReason">Why it is not (pwsh -NonInteractive, redirected input, CI); null when it is.</param>
internal sealed record HostInteractivity(bool IsInteractive, string? NonInteractiveReason)
{
    /// <summary>A host a person is driving.</summary>
    public static HostInteractivity Interactive { get; } = new(true, null);

    /// <summary>A host nobody is driving, for <paramref name="reason"/>.</summary>
    public static HostInteractivity NonInteractive(string reason) => new(false, reason);
}
