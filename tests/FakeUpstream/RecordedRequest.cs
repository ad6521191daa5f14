namespace FakeUpstream;

/// <summary>One request the fake upstream received, as the client sent it.</summary>
public sealed class RecordedRequest
{
    internal RecordedRequest(
        string method,
        string path,
        IReadOnlyDictionary<string, string> headers,
        string body,
        string? model,
        bool stream,
        DateTimeOffset receivedAt)
    {
        Method = method;
        Path = path;
        Headers = headers;
        Body = body;
        Model = model;
        Stream = stream;
        ReceivedAt = receivedAt;
    }

    /// <summary>The HTTP method (GET, POST).</summary>
    public string Method { get; }

    /// <summary>The absolute path, e.g. <c>/v1/chat/completions</c>.</summary>
    public string Path { get; }

    /// <summary>Request headers, case-insensitive names; repeated headers are joined with a comma.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The request body decoded as UTF-8 (empty when there was none).</summary>
    public string Body { get; }

    /// <summary>The top-level <c>model</c> of a JSON body, or null.</summary>
    public string? Model { get; }

    /// <summary>True when the body asked for <c>"stream": true</c>.</summary>
    public bool Stream { get; }

    /// <summary>When the request arrived.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>True when the request came in on the Anthropic path (<c>.../v1/messages</c>).</summary>
    public bool IsAnthropic => Path.EndsWith("/messages", StringComparison.Ordinal);
}
