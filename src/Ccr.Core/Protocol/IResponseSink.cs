namespace Ccr.Core.Protocol;

/// <summary>
/// Where the router writes its answer: the HTTP response of the proxy, or an in-memory reader for
/// Invoke-CcrMessage. Keeping the router ignorant of the HTTP server lets both share every rule.
/// </summary>
internal interface IResponseSink
{
    /// <summary>True once a status line has been committed; after that, fallback is impossible.</summary>
    bool HasStarted { get; }

    /// <summary>Sets a response header; ignored once started.</summary>
    void SetHeader(string name, string value);

    /// <summary>Commits status and content type for a body of unknown length (a stream).</summary>
    void StartStream(int status, string contentType);

    /// <summary>Writes a whole body with its length and completes the response.</summary>
    ValueTask WriteCompleteAsync(int status, string contentType, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    /// <summary>Writes part of a stream and pushes it to the client at once.</summary>
    ValueTask WriteAndFlushAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}
