namespace Ccr.Core.Server.Http;

/// <summary>
/// The bounds that keep one slow or abusive client from starving the others: every wait has a
/// timeout and every buffer a ceiling.
/// </summary>
internal sealed class HttpServerLimits
{
    /// <summary>The request line and headers together; larger heads get 431.</summary>
    public int MaxHeaderBytes { get; init; } = 64 * 1024;

    /// <summary>The body; larger bodies get 413 (MAX_BODY_BYTES).</summary>
    public long MaxBodyBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Time allowed for a whole request head once its first byte arrived (slowloris headers).</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Silence allowed between two reads of a body (slowloris bodies).</summary>
    public TimeSpan BodyIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for a whole body, however steadily it trickles in.</summary>
    public TimeSpan BodyTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an idle keep-alive connection is kept.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Time allowed for one write to the client (a client that never reads a stream).</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Open connections beyond which new ones are closed at once.</summary>
    public int MaxConnections { get; init; } = 10_000;
}
