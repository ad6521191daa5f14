using System.Diagnostics;
using System.Text;

namespace FakeUpstream;

/// <summary>A fixed status, content type and body (one per wire format), whether or not the request streams.</summary>
internal sealed class StatusReply : FakeReply
{
    private readonly int _status;
    private readonly string _contentType;
    private readonly byte[] _openAIBody;
    private readonly byte[] _anthropicBody;
    private readonly IReadOnlyList<(string Name, string Value)>? _headers;

    public StatusReply(int status, string contentType, string openAIBody, string anthropicBody, IReadOnlyList<(string Name, string Value)>? headers = null)
    {
        _status = status;
        _contentType = contentType;
        _openAIBody = Encoding.UTF8.GetBytes(openAIBody);
        _anthropicBody = ReferenceEquals(openAIBody, anthropicBody) ? _openAIBody : Encoding.UTF8.GetBytes(anthropicBody);
        _headers = headers;
    }

    public StatusReply(int status, string contentType, string body, IReadOnlyList<(string Name, string Value)>? headers = null)
        : this(status, contentType, body, body, headers)
    {
    }

    internal override Task WriteAsync(ReplyContext context)
    {
        byte[] body = context.Request.Format == WireFormat.Anthropic ? _anthropicBody : _openAIBody;
        return context.WriteWholeAsync(_status, _contentType, body, _headers);
    }
}

/// <summary>A 200 that is really an error, the way Z.ai reports quota exhaustion: in the body, or as the first SSE event.</summary>
internal sealed class ErrorInside200Reply : FakeReply
{
    private const string OpenAIError = """{"error":{"code":"1308","message":"Usage limit reached for 5 hour. Your limit will reset at 2030-01-01 00:00:00"}}""";
    private const string AnthropicError = """{"type":"error","error":{"type":"rate_limit_error","code":"1308","message":"Usage limit reached for 5 hour. Your limit will reset at 2030-01-01 00:00:00"}}""";

    private static readonly byte[] s_openAIBody = Encoding.UTF8.GetBytes(OpenAIError);
    private static readonly byte[] s_anthropicBody = Encoding.UTF8.GetBytes(AnthropicError);
    private static readonly byte[] s_openAIEvent = Encoding.UTF8.GetBytes("data: " + OpenAIError + "\n\n");
    private static readonly byte[] s_anthropicEvent = Encoding.UTF8.GetBytes("event: error\ndata: " + AnthropicError + "\n\n");

    internal override async Task WriteAsync(ReplyContext context)
    {
        bool anthropic = context.Request.Format == WireFormat.Anthropic;
        if (!context.Request.Stream)
        {
            await context.WriteWholeAsync(200, "application/json", anthropic ? s_anthropicBody : s_openAIBody, null).ConfigureAwait(false);
            return;
        }

        context.BeginStream(200, "text/event-stream; charset=utf-8", null);
        await context.WriteSegmentAsync(anthropic ? s_anthropicEvent : s_openAIEvent).ConfigureAwait(false);
        await context.EndStreamAsync().ConfigureAwait(false);
    }
}

/// <summary>Waits before the first byte (status line included), then answers as another reply.</summary>
internal sealed class SlowFirstByteReply : FakeReply
{
    private readonly TimeSpan _delay;
    private readonly FakeReply _then;

    public SlowFirstByteReply(TimeSpan delay, FakeReply then)
    {
        _delay = delay;
        _then = then;
    }

    internal override async Task WriteAsync(ReplyContext context)
    {
        // A timer runs on the runtime's coarse millisecond tick and may end a little before the delay has passed by
        // Stopwatch time (a proxy once measured 39.5 ms for 40); tests read the proxy's Stopwatch figures, so the fake
        // waits out whatever is left until the full delay has passed on that clock.
        long started = Stopwatch.GetTimestamp();
        TimeSpan left = _delay;
        while (left > TimeSpan.Zero)
        {
            await Task.Delay(left < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : left, context.ServerStopping).ConfigureAwait(false);
            left = _delay - Stopwatch.GetElapsedTime(started);
        }

        await _then.WriteAsync(context).ConfigureAwait(false);
    }
}

/// <summary>Never answers; the exchange ends when the client gives up or the server is disposed.</summary>
internal sealed class HangReply : FakeReply
{
    internal override async Task WriteAsync(ReplyContext context)
    {
        await context.WaitForClientToLeaveAsync().ConfigureAwait(false);
        context.Abort();
    }
}

/// <summary>Closes the connection without sending a response.</summary>
internal sealed class ConnectionResetReply : FakeReply
{
    internal override Task WriteAsync(ReplyContext context)
    {
        context.Abort();
        return Task.CompletedTask;
    }
}
