namespace Ccr.Core.Server;

/// <summary>A proxy's answer to one control question, or why there is none.</summary>
/// <typeparam name="T">What the question returns.</typeparam>
/// <param name="Value">The answer; null when the proxy refused or could not be read.</param>
/// <param name="Status">The HTTP status the proxy answered with; 0 when it did not answer.</param>
/// <param name="Error">Why the answer could not be read (connection, timeout, malformed body); null otherwise.</param>
internal sealed record ControlReply<T>(T? Value, int Status, string? Error)
    where T : class;
