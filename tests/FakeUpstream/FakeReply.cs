using System.Globalization;
using System.Text.Json;

namespace FakeUpstream;

/// <summary>
/// What the fake upstream answers to one request. Each reply renders in the OpenAI Chat Completions
/// or the Anthropic Messages wire format depending on the request path, and streams (SSE) when the
/// request body has <c>"stream": true</c>. Replies are immutable and may be reused across requests.
/// </summary>
public abstract class FakeReply
{
    private const string Json = "application/json";

    private protected FakeReply()
    {
    }

    /// <summary>A plain text answer (finish_reason stop / stop_reason end_turn), streamed word by word.</summary>
    public static FakeReply Text(string text, int inputTokens = 10, int outputTokens = 5)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new CompletionReply(new CompletionSpec(CompletionSpec.SplitWords(text), inputTokens, outputTokens));
    }

    /// <summary>One tool call (OpenAI tool_calls, finish_reason tool_calls / Anthropic tool_use block, stop_reason tool_use), optionally after some text.</summary>
    public static FakeReply ToolCall(string toolName, string argumentsJson, string? text = null)
    {
        ValidateArguments(argumentsJson, nameof(argumentsJson));
        IReadOnlyList<string> pieces = text is null ? [] : CompletionSpec.SplitWords(text);
        return new CompletionReply(new CompletionSpec(pieces, 10, 5, [new ToolCallSpec(ToolCallId(0), toolName, argumentsJson)]));
    }

    /// <summary>Several tool calls in one answer; streamed, their argument pieces interleave by index.</summary>
    public static FakeReply ToolCalls(params (string Name, string ArgumentsJson)[] calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var specs = new ToolCallSpec[calls.Length];
        for (int i = 0; i < calls.Length; i++)
        {
            ValidateArguments(calls[i].ArgumentsJson, nameof(calls));
            specs[i] = new ToolCallSpec(ToolCallId(i), calls[i].Name, calls[i].ArgumentsJson);
        }

        return new CompletionReply(new CompletionSpec([], 10, 5, specs));
    }

    /// <summary>Reasoning then text: OpenAI <c>reasoning_content</c> (DeepSeek/Qwen style) / an Anthropic thinking block.</summary>
    public static FakeReply Reasoning(string reasoning, string text)
    {
        ArgumentNullException.ThrowIfNull(reasoning);
        ArgumentNullException.ThrowIfNull(text);
        return new CompletionReply(new CompletionSpec(CompletionSpec.SplitWords(text), 10, 5, null, CompletionSpec.SplitWords(reasoning)));
    }

    /// <summary>Any status with a verbatim JSON body and extra headers, in both wire formats.</summary>
    public static FakeReply Status(int status, string body, params (string Name, string Value)[] headers)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new StatusReply(status, Json, body, headers);
    }

    /// <summary>A 429 in the provider's error shape, with <c>Retry-After</c> when given.</summary>
    public static FakeReply RateLimited(int? retryAfterSeconds = null)
    {
        (string Name, string Value)[] headers = retryAfterSeconds is int seconds
            ? [("Retry-After", seconds.ToString(CultureInfo.InvariantCulture))]
            : [];
        return new StatusReply(
            429,
            Json,
            """{"error":{"message":"Rate limit reached for requests. Please try again later.","type":"requests","param":null,"code":"rate_limit_exceeded"}}""",
            """{"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit. Please try again later."}}""",
            headers);
    }

    /// <summary>A 200 text answer carrying informational <c>x-ratelimit-remaining</c> / <c>x-ratelimit-reset</c> headers (Z.ai style).</summary>
    public static FakeReply RateLimitHeaders(string text, int remaining, int resetSeconds)
    {
        ArgumentNullException.ThrowIfNull(text);
        (string, string)[] headers =
        [
            ("x-ratelimit-remaining", remaining.ToString(CultureInfo.InvariantCulture)),
            ("x-ratelimit-reset", resetSeconds.ToString(CultureInfo.InvariantCulture)),
        ];
        return new CompletionReply(new CompletionSpec(CompletionSpec.SplitWords(text), 10, 5), headers: headers);
    }

    /// <summary>A server error in the provider's shape (Anthropic: 529 is overloaded_error, others api_error).</summary>
    public static FakeReply ServerError(int status = 500)
    {
        string anthropicType = status == 529 ? "overloaded_error" : "api_error";
        return new StatusReply(
            status,
            Json,
            """{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}""",
            "{\"type\":\"error\",\"error\":{\"type\":\"" + anthropicType + "\",\"message\":\"Internal server error\"}}");
    }

    /// <summary>DashScope's 401 for a wrong key (OpenAI shape); an Anthropic authentication_error on the Anthropic path.</summary>
    public static FakeReply InvalidApiKey()
    {
        return new StatusReply(
            401,
            Json,
            """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""",
            """{"type":"error","error":{"type":"authentication_error","code":"invalid_api_key","message":"Incorrect API key provided."}}""");
    }

    /// <summary>DashScope's 429 for an exhausted plan quota (code <c>quota_exceeded</c>), distinct from a plain rate limit.</summary>
    public static FakeReply QuotaExceeded()
    {
        return new StatusReply(
            429,
            Json,
            """{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"quota_exceeded"}}""",
            """{"type":"error","error":{"type":"rate_limit_error","code":"quota_exceeded","message":"You exceeded your current quota, please check your plan and billing details."}}""");
    }

    /// <summary>A Z.ai-style 200 whose body (or first SSE event) is an error object (code 1308, usage limit reached).</summary>
    public static FakeReply ErrorInside200() => new ErrorInside200Reply();

    /// <summary>Waits <paramref name="delay"/> before sending anything, then answers as <paramref name="then"/>.</summary>
    public static FakeReply SlowFirstByte(TimeSpan delay, FakeReply then)
    {
        ArgumentNullException.ThrowIfNull(then);
        return new SlowFirstByteReply(delay, then);
    }

    /// <summary>
    /// Streams the prelude and <paramref name="chunksBeforeCut"/> content chunks, then drops the connection
    /// (no finish chunk, no [DONE], no message_stop). A non-stream request gets half of a body announced in full.
    /// </summary>
    public static FakeReply CutMidStream(int chunksBeforeCut)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunksBeforeCut);
        string[] pieces = new string[chunksBeforeCut + 5];
        Array.Fill(pieces, "tok ");
        return new CompletionReply(new CompletionSpec(pieces, 10, pieces.Length), cutAfterChunks: chunksBeforeCut);
    }

    /// <summary>Never answers, until the client gives up or the server is disposed.</summary>
    public static FakeReply Hang() => new HangReply();

    /// <summary>A non-JSON body (a proxy's HTML error page by default) with the given status.</summary>
    public static FakeReply Garbage(string body = "<html>502 Bad Gateway</html>", int status = 200)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new StatusReply(status, "text/html", body);
    }

    /// <summary>A text answer of <paramref name="bytes"/> characters, streamed in 16 KiB pieces.</summary>
    public static FakeReply Huge(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        IReadOnlyList<string> pieces = CompletionSpec.SplitBySize(new string('x', bytes), 16 * 1024);
        return new CompletionReply(new CompletionSpec(pieces, 10, Math.Max(1, bytes / 4)));
    }

    /// <summary>Closes the socket without any response.</summary>
    public static FakeReply ConnectionReset() => new ConnectionResetReply();

    /// <summary>Replays a recorded fixture verbatim, whatever the request asked for.</summary>
    public static FakeReply Raw(int status, string contentType, string body)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        ArgumentNullException.ThrowIfNull(body);
        return new StatusReply(status, contentType, body);
    }

    /// <summary>
    /// A stream of <paramref name="chunks"/> content chunks of <paramref name="token"/>, <paramref name="interChunkDelay"/>
    /// apart. A non-stream request gets the tokens concatenated.
    /// </summary>
    public static FakeReply Stream(int chunks, TimeSpan interChunkDelay, string token = "tok ")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunks);
        ArgumentNullException.ThrowIfNull(token);
        string[] pieces = new string[chunks];
        Array.Fill(pieces, token);
        return new CompletionReply(new CompletionSpec(pieces, 10, Math.Max(1, chunks)), interChunkDelay);
    }

    /// <summary>
    /// A stream of <paramref name="chunks"/> content chunks paced by the test instead of the clock: before each segment
    /// after the first (the prelude) the server awaits <paramref name="beforeSegment"/> with the segment's index, so a
    /// test can hold the next chunk until its client has seen the previous one, whatever the machine's load.
    /// </summary>
    public static FakeReply PacedStream(int chunks, Func<int, Task> beforeSegment, string token = "tok ")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunks);
        ArgumentNullException.ThrowIfNull(beforeSegment);
        ArgumentNullException.ThrowIfNull(token);
        string[] pieces = new string[chunks];
        Array.Fill(pieces, token);
        return new CompletionReply(new CompletionSpec(pieces, 10, Math.Max(1, chunks)), pace: beforeSegment);
    }

    /// <summary>
    /// A 200 event stream of exactly <paramref name="pieces"/> (for either wire format), awaiting <paramref name="beforePiece"/>
    /// with the piece's index before each after the first; a piece may end in the middle of an event.
    /// </summary>
    public static FakeReply PacedRawStream(Func<int, Task> beforePiece, params string[] pieces)
    {
        ArgumentNullException.ThrowIfNull(beforePiece);
        ArgumentNullException.ThrowIfNull(pieces);
        return new PacedRawReply(beforePiece, pieces);
    }

    /// <summary>Writes this reply to one exchange.</summary>
    internal abstract Task WriteAsync(ReplyContext context);

    private static string ToolCallId(int index) => "call_fake" + index.ToString(CultureInfo.InvariantCulture);

    private static void ValidateArguments(string argumentsJson, string paramName)
    {
        ArgumentNullException.ThrowIfNull(argumentsJson, paramName);
        try
        {
            using JsonDocument _ = JsonDocument.Parse(argumentsJson);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("Tool arguments must be a JSON object, e.g. {\"path\":\"a.txt\"}: " + ex.Message, paramName, ex);
        }
    }
}
