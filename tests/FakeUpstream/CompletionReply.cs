using System.Collections.Concurrent;

namespace FakeUpstream;

/// <summary>
/// A successful answer (text, tool calls, reasoning, a configurable stream). Its bytes are rendered
/// once per (wire format, stream, include_usage, model) and replayed, so the hot path only copies.
/// </summary>
internal sealed class CompletionReply : FakeReply
{
    private const int MaxCachedRenderings = 64;
    private const string JsonContentType = "application/json";
    private const string SseContentType = "text/event-stream; charset=utf-8";

    private readonly CompletionSpec _spec;
    private readonly TimeSpan _interChunkDelay;
    private readonly IReadOnlyList<(string Name, string Value)>? _headers;
    private readonly int? _cutAfterChunks;
    private readonly Func<int, Task>? _pace;
    private readonly ConcurrentDictionary<RequestInfo, Rendering> _renderings = new();

    public CompletionReply(
        CompletionSpec spec,
        TimeSpan interChunkDelay = default,
        IReadOnlyList<(string Name, string Value)>? headers = null,
        int? cutAfterChunks = null,
        Func<int, Task>? pace = null)
    {
        _spec = spec;
        _interChunkDelay = interChunkDelay;
        _headers = headers;
        _cutAfterChunks = cutAfterChunks;
        _pace = pace;
    }

    internal override async Task WriteAsync(ReplyContext context)
    {
        Rendering rendering = GetRendering(context.Request);
        if (!context.Request.Stream)
        {
            if (_cutAfterChunks is null)
            {
                await context.WriteWholeAsync(200, JsonContentType, rendering.Body, _headers).ConfigureAwait(false);
            }
            else
            {
                await context.WriteTruncatedAsync(200, JsonContentType, rendering.Body, rendering.Body.Length / 2).ConfigureAwait(false);
                context.Abort();
            }

            return;
        }

        context.BeginStream(200, SseContentType, _headers);
        if (_cutAfterChunks is int cut)
        {
            // The prelude (segment 0) plus the first N content chunks, then the connection drops.
            int last = Math.Min(cut, rendering.Segments.Count - 1);
            for (int i = 0; i <= last; i++)
            {
                await context.WriteSegmentAsync(rendering.Segments[i]).ConfigureAwait(false);
            }

            context.Abort();
            return;
        }

        if (_pace is not null)
        {
            for (int i = 0; i < rendering.Segments.Count; i++)
            {
                if (i > 0)
                {
                    await _pace(i).ConfigureAwait(false);
                }

                await context.WriteSegmentAsync(rendering.Segments[i]).ConfigureAwait(false);
            }
        }
        else if (_interChunkDelay <= TimeSpan.Zero)
        {
            await context.WriteSegmentAsync(rendering.Joined).ConfigureAwait(false);
        }
        else
        {
            for (int i = 0; i < rendering.Segments.Count; i++)
            {
                if (i > 0)
                {
                    await Task.Delay(_interChunkDelay, context.ServerStopping).ConfigureAwait(false);
                }

                await context.WriteSegmentAsync(rendering.Segments[i]).ConfigureAwait(false);
            }
        }

        await context.EndStreamAsync().ConfigureAwait(false);
    }

    private Rendering GetRendering(RequestInfo request)
    {
        RequestInfo key = request.Stream ? request : request with { IncludeUsage = false };
        if (_renderings.TryGetValue(key, out Rendering? rendering))
        {
            return rendering;
        }

        rendering = Render(key);
        if (_renderings.Count < MaxCachedRenderings)
        {
            _renderings.TryAdd(key, rendering);
        }

        return rendering;
    }

    private Rendering Render(RequestInfo request)
    {
        string suffix = Guid.NewGuid().ToString("N")[..24];
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (request.Format == WireFormat.Anthropic)
        {
            string id = "msg_" + suffix;
            return request.Stream
                ? Rendering.FromSegments(AnthropicWire.Events(_spec, request.Model, id))
                : Rendering.FromBody(AnthropicWire.Message(_spec, request.Model, id));
        }

        string chatId = "chatcmpl-" + suffix;
        return request.Stream
            ? Rendering.FromSegments(OpenAIWire.Chunks(_spec, request.Model, request.IncludeUsage, chatId, created))
            : Rendering.FromBody(OpenAIWire.Completion(_spec, request.Model, chatId, created));
    }

    private sealed class Rendering
    {
        private Rendering(byte[] body, IReadOnlyList<byte[]> segments, byte[] joined)
        {
            Body = body;
            Segments = segments;
            Joined = joined;
        }

        public byte[] Body { get; }

        public IReadOnlyList<byte[]> Segments { get; }

        /// <summary>All segments in one write, for streams without delays.</summary>
        public byte[] Joined { get; }

        public static Rendering FromBody(byte[] body) => new(body, [body], body);

        public static Rendering FromSegments(IReadOnlyList<byte[]> segments)
        {
            int length = 0;
            foreach (byte[] segment in segments)
            {
                length += segment.Length;
            }

            byte[] joined = new byte[length];
            int offset = 0;
            foreach (byte[] segment in segments)
            {
                segment.CopyTo(joined, offset);
                offset += segment.Length;
            }

            return new Rendering([], segments, joined);
        }
    }
}
