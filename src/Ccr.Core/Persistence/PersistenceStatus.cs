using System.Globalization;

namespace Ccr.Core.Persistence;

/// <summary>What /health and Get-CcrProxy say about shared state: the mode, how Redis stands, since when and why.</summary>
internal sealed record PersistenceStatus(PersistenceState State, string? Endpoint, DateTimeOffset? Since, string? Problem)
{
    /// <summary>Local mode.</summary>
    public static PersistenceStatus Local { get; } = new(PersistenceState.Local, null, null, null);

    /// <summary>
    /// One line: <c>local</c>, <c>redis (connected to redis://host:6379/0)</c>, <c>redis (connecting to ..., using local)</c>
    /// or <c>redis (unreachable since 2026-12-06T23:10:00Z: why; using local)</c>.
    /// </summary>
    public string Describe() => State switch
    {
        PersistenceState.Connected => "redis (connected to " + Endpoint + ")",
        PersistenceState.Connecting => "redis (connecting to " + Endpoint + ", using local)",
        PersistenceState.Unreachable => "redis (unreachable since "
            + (Since ?? DateTimeOffset.UtcNow).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            + (Problem is null ? "" : ": " + Problem) + "; using local)",
        _ => "local",
    };
}
