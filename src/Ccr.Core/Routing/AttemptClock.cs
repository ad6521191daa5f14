using System.Globalization;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Providers;

namespace Ccr.Core.Routing;

/// <summary>
/// The deadlines of one attempt as one cancellation token: the first-byte deadline from sending, then the idle deadline
/// re-armed as data flows, with the request's total deadline and the client linked in. When the token fires, the clock
/// knows which deadline it was, so the failure can say so (<c>first_byte_timeout</c>, <c>idle_timeout</c>...).
/// The connect deadline is enforced by the upstream client; the clock recognises its exception.
/// </summary>
internal sealed class AttemptClock : IDisposable
{
    private readonly AttemptDeadline _timer;
    private readonly CancellationTokenSource? _linked;
    private readonly CancellationToken _requestDeadline;
    private readonly CancellationToken _serverStopping;
    private readonly AttemptTimeouts _timeouts;
    private int _armed;
    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();
    private long _firstByte;

    /// <summary>
    /// Starts the clock: the first-byte deadline runs from now on <paramref name="time"/>. <paramref name="requestDeadline"/>
    /// fires at the request's total deadline; <paramref name="clientToken"/> when the client goes away.
    /// </summary>
    public AttemptClock(AttemptTimeouts timeouts, TimeProvider time, CancellationToken requestDeadline, CancellationToken clientToken, CancellationToken serverStopping = default)
    {
        ArgumentNullException.ThrowIfNull(time);
        _timeouts = timeouts;
        _requestDeadline = requestDeadline;
        _serverStopping = serverStopping;
        _armed = (int)UpstreamDeadline.FirstByte;
        _timer = new AttemptDeadline(time, timeouts.FirstByte);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(_timer.Token, requestDeadline, clientToken);
    }

    /// <summary>A clock over a token source the caller owns, already past its first byte (a forwarder driven on its own).</summary>
    public AttemptClock(CancellationTokenSource attemptToken, TimeSpan idleTimeout)
    {
        ArgumentNullException.ThrowIfNull(attemptToken);
        _timer = new AttemptDeadline(attemptToken, TimeProvider.System);
        _timeouts = new AttemptTimeouts(idleTimeout, idleTimeout, idleTimeout);
        _armed = (int)UpstreamDeadline.Idle;
    }

    /// <summary>Cancels the upstream call when a deadline passes, the request's time is up or the client goes.</summary>
    public CancellationToken Token => _linked?.Token ?? _timer.Token;

    /// <summary>The deadline the idle timeout is re-armed on (see <see cref="IdleTimer"/>).</summary>
    public AttemptDeadline Timer => _timer;

    /// <summary>The deadlines this clock runs.</summary>
    public AttemptTimeouts Timeouts => _timeouts;

    /// <summary>The deadline behind the last failure made by <see cref="Failure"/>, or None.</summary>
    public UpstreamDeadline Fired { get; private set; }

    /// <summary>Milliseconds from the clock's start to the answer's first byte (for a stream, its first event); null before it.</summary>
    public double? FirstByteMs => _firstByte == 0 ? null : System.Diagnostics.Stopwatch.GetElapsedTime(_started, _firstByte).TotalMilliseconds;

    /// <summary>The answer has begun: from now on silence is bounded by the idle deadline.</summary>
    public void ArmIdle()
    {
        if (_armed == (int)UpstreamDeadline.Idle)
        {
            return;
        }

        // Arming the idle deadline is the one place every kind of answer passes at its first byte: the dashboard's time to first token.
        _firstByte = System.Diagnostics.Stopwatch.GetTimestamp();

        Volatile.Write(ref _armed, (int)UpstreamDeadline.Idle);
        _timer.CancelAfter(_timeouts.Idle);
    }

    /// <summary>Stops the upstream call now (the client left); no deadline is blamed.</summary>
    public Task CancelAsync() => _linked is not null ? _linked.CancelAsync() : _timer.CancelAsync();

    /// <summary>
    /// Classifies a failed upstream call: a deadline that fired becomes a timeout naming it; anything else is
    /// classified as before by <see cref="UpstreamErrorMapper.FromException"/>.
    /// </summary>
    public UpstreamFailure Failure(Exception e, ProviderConfig provider)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(provider);
        UpstreamDeadline deadline = WhichFired(e);
        if (deadline == UpstreamDeadline.None)
        {
            return UpstreamErrorMapper.FromException(e, provider);
        }

        Fired = deadline;
        return Timeout(deadline, provider);
    }

    /// <summary>The failure a deadline makes, as the client and the decision log see it.</summary>
    public UpstreamFailure Timeout(UpstreamDeadline deadline, ProviderConfig provider)
    {
        string name = provider.Name + ": " + DeadlineText(deadline) + ": ";
        AnthropicError error = deadline switch
        {
            UpstreamDeadline.Connect => new AnthropicError(502, "api_error",
                name + "no connection to " + provider.Endpoint.GetLeftPart(UriPartial.Authority) + " within " + Ms(_timeouts.Connect) + " (CONNECT_TIMEOUT_MS)."),
            UpstreamDeadline.FirstByte => new AnthropicError(529, "overloaded_error",
                name + "no answer within " + Ms(_timeouts.FirstByte) + " of sending (FIRST_BYTE_TIMEOUT_MS); the provider may be overloaded."),
            UpstreamDeadline.Idle => new AnthropicError(529, "overloaded_error",
                name + "the answer went silent for " + Ms(_timeouts.Idle) + " (API_TIMEOUT_MS); the provider may be overloaded."),
            UpstreamDeadline.Shutdown => ShutdownError(provider.Name + ": "),
            _ => RequestTimeoutError(provider.Name + ": "),
        };
        return new UpstreamFailure(error, FailureKind.Timeout, Retryable: deadline is not (UpstreamDeadline.Request or UpstreamDeadline.Shutdown), ClientFault: false, RetryAfter: null);
    }

    /// <summary>The error for a request that ran past REQUEST_TIMEOUT_MS; <paramref name="prefix"/> names where it was, <paramref name="suffix"/> what was tried.</summary>
    public static AnthropicError RequestTimeoutError(string prefix, string suffix = "") =>
        new(504, "timeout_error", prefix + DeadlineText(UpstreamDeadline.Request) + ": no complete answer within REQUEST_TIMEOUT_MS." + suffix);

    /// <summary>
    /// The error for a request the proxy could not finish before it stopped: overloaded_error, which Claude Code and the
    /// SDKs retry, and by then another session serves the port.
    /// </summary>
    public static AnthropicError ShutdownError(string prefix, string suffix = "") =>
        new(529, "overloaded_error", prefix + DeadlineText(UpstreamDeadline.Shutdown) + ": the proxy stopped (the session serving it closed) before this answer was complete; retry." + suffix);

    /// <summary>The deadline's name in the decision log, tier errors and messages (operators grep for these).</summary>
    public static string DeadlineText(UpstreamDeadline deadline) => deadline switch
    {
        UpstreamDeadline.Connect => "connect_timeout",
        UpstreamDeadline.FirstByte => "first_byte_timeout",
        UpstreamDeadline.Idle => "idle_timeout",
        UpstreamDeadline.Request => "request_timeout",
        UpstreamDeadline.Shutdown => "proxy_shutdown",
        _ => "none",
    };

    public void Dispose()
    {
        // A caller-owned token source stays the caller's to dispose; the deadline over it only lets go of it.
        _linked?.Dispose();
        _timer.Dispose();
    }

    private UpstreamDeadline WhichFired(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is UpstreamConnectTimeoutException)
            {
                return UpstreamDeadline.Connect;
            }
        }

        if (_serverStopping.IsCancellationRequested)
        {
            return UpstreamDeadline.Shutdown;
        }

        if (_requestDeadline.IsCancellationRequested)
        {
            return UpstreamDeadline.Request;
        }

        return _timer.IsCancellationRequested ? (UpstreamDeadline)Volatile.Read(ref _armed) : UpstreamDeadline.None;
    }

    private static string Ms(TimeSpan span) => ((long)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";
}
