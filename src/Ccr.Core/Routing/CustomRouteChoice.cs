namespace Ccr.Core.Routing;

/// <summary>The answer of one custom router call: its outcome, the string it returned, and for a failure what happened.</summary>
/// <param name="Outcome">What the call came to.</param>
/// <param name="Value">The returned string when <paramref name="Outcome"/> is <see cref="CustomRouteOutcome.Value"/>.</param>
/// <param name="Detail">Why, in words, for a failure (the exception's message, what was returned instead of a string).</param>
internal readonly record struct CustomRouteChoice(CustomRouteOutcome Outcome, string? Value = null, string? Detail = null)
{
    public static CustomRouteChoice Keep { get; } = new(CustomRouteOutcome.Keep);
}
