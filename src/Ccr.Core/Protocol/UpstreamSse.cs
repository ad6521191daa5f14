using System.Net.ServerSentEvents;

namespace Ccr.Core.Protocol;

/// <summary>Reads an upstream's server-sent events with the platform SSE parser (handles CRLF, split lines, comments, multi-line data).</summary>
internal static class UpstreamSse
{
    /// <summary>The events of <paramref name="body"/>, each with its event type and data bytes, as they arrive.</summary>
    public static IAsyncEnumerable<SseItem<byte[]>> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        return SseParser.Create(body, static (eventType, data) => data.ToArray()).EnumerateAsync(cancellationToken);
    }
}
