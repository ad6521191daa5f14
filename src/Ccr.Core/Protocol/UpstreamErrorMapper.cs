using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ccr.Core.Config;
using Ccr.Core.Providers;

namespace Ccr.Core.Protocol;

/// <summary>Turns upstream failures (HTTP errors, errors inside 200 bodies, exceptions) into Anthropic errors the router can act on.</summary>
internal static partial class UpstreamErrorMapper
{
    private const int MaxMessageLength = 600;

    /// <summary>Classifies a non-success HTTP answer.</summary>
    public static UpstreamFailure FromHttp(int status, ReadOnlySpan<byte> body, IReadOnlyDictionary<string, string>? headers, ProviderConfig? provider)
    {
        UpstreamErrorInfo info = UpstreamErrorInfo.Parse(body);
        TimeSpan? retryAfter = ParseRetryAfter(headers);
        return Classify(status, info, retryAfter, provider);
    }

    /// <summary>Classifies a failure to get an answer at all.</summary>
    public static UpstreamFailure FromException(Exception e, ProviderConfig? provider)
    {
        ArgumentNullException.ThrowIfNull(e);
        string name = provider?.Name ?? "upstream";
        if (e is UpstreamProtocolException upe)
        {
            return upe.Failure;
        }

        if (e is TimeoutException || e is TaskCanceledException || e.InnerException is TimeoutException)
        {
            return new UpstreamFailure(
                new AnthropicError(529, "overloaded_error", name + ": no answer before the timeout (API_TIMEOUT_MS); the provider may be overloaded."),
                FailureKind.Timeout, Retryable: true, ClientFault: false, RetryAfter: null);
        }

        SocketException? socket = Find<SocketException>(e);
        string detail = socket is not null ? socket.SocketErrorCode.ToString() : Scrub(e.Message, provider);
        string what = socket?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostNotFound or SocketError.NoData => "host not found (check api_base_url and DNS)",
            SocketError.TimedOut => "connect timed out",
            SocketError.ConnectionReset => "connection reset",
            _ => "network error",
        };
        return new UpstreamFailure(
            new AnthropicError(502, "api_error", name + ": " + what + " calling " + (provider?.Endpoint.GetLeftPart(UriPartial.Authority) ?? "the provider") + " (" + detail + ")."),
            FailureKind.Network, Retryable: true, ClientFault: false, RetryAfter: null);
    }

    /// <summary>Finds an error object in a 200 body or the first SSE chunk (Z.ai and MiniMax report quota errors this way).</summary>
    public static bool TryDetectErrorInSuccess(ReadOnlySpan<byte> body, ProviderConfig? provider, out UpstreamFailure failure)
    {
        failure = null!;

        // Every success answer and stream chunk comes through here: a scan of the top-level names decides, and
        // only a body that names an error field is parsed.
        if (!UpstreamErrorInfo.MayBeError(body))
        {
            return false;
        }

        UpstreamErrorInfo info = UpstreamErrorInfo.Parse(body);
        if (!info.IsError)
        {
            return false;
        }

        failure = Classify(0, info, null, provider);
        return true;
    }

    /// <summary>As <see cref="TryDetectErrorInSuccess(ReadOnlySpan{byte}, ProviderConfig?, out UpstreamFailure)"/>, for a body the caller has already parsed into <paramref name="root"/>.</summary>
    public static bool TryDetectErrorInSuccess(JsonElement root, ReadOnlySpan<byte> body, ProviderConfig? provider, out UpstreamFailure failure)
    {
        failure = null!;
        UpstreamErrorInfo? info = UpstreamErrorInfo.Read(root, body);
        if (info is null)
        {
            return false;
        }

        failure = Classify(0, info, null, provider);
        return true;
    }

    internal static UpstreamFailure Classify(int status, UpstreamErrorInfo info, TimeSpan? retryAfter, ProviderConfig? provider)
    {
        string name = provider?.Name ?? "upstream";
        string message = info.Message ?? "";
        var text = new UpstreamErrorText(status, info.Code, info.Type, info.Message);
        string statusText = status > 0 ? "HTTP " + status.ToString(CultureInfo.InvariantCulture) : "error inside a 200 answer";
        string shown = name + " (" + statusText + (string.IsNullOrWhiteSpace(info.Code) ? "" : ", " + info.Code) + "): " +
            (message.Length > 0 ? Truncate(message) : info.RawSnippet.Length > 0 ? Truncate(info.RawSnippet) : "no error message");
        shown = Scrub(shown, provider);

        if (status is 401 or 403 || ProviderFamilies.IsAuthFailure(text))
        {
            string hint = provider is null ? ProviderFamilies.Generic.AuthHint : ProviderFamilies.ForHost(provider.Endpoint).AuthHint;
            return new UpstreamFailure(new AnthropicError(401, "authentication_error", shown + hint), FailureKind.Auth, Retryable: false, ClientFault: false, null);
        }

        UpstreamLimit reading = ProviderFamilies.ReadLimitMessage(text);
        UpstreamLimitKind limit = reading.Kind;
        if (status == 402 || limit == UpstreamLimitKind.QuotaExceeded)
        {
            return new UpstreamFailure(new AnthropicError(429, "rate_limit_error", shown), FailureKind.QuotaExceeded, Retryable: true, ClientFault: false, retryAfter)
            {
                Limit = limit == UpstreamLimitKind.QuotaExceeded ? reading : UpstreamLimit.Quota,
            };
        }

        if (status is 529 || text.Text.Contains("overloaded", StringComparison.Ordinal))
        {
            return new UpstreamFailure(new AnthropicError(529, "overloaded_error", shown), FailureKind.Server, Retryable: true, ClientFault: false, retryAfter);
        }

        if (status == 429 || limit == UpstreamLimitKind.RateLimited)
        {
            return new UpstreamFailure(new AnthropicError(429, "rate_limit_error", shown), FailureKind.RateLimited, Retryable: true, ClientFault: false, retryAfter);
        }

        bool clientStatus = status is 400 or 404 or 413 or 422;
        if ((clientStatus || status == 0) && ProviderFamilies.IsContextTooLong(text))
        {
            return new UpstreamFailure(new AnthropicError(400, "invalid_request_error", shown + " Shorten the conversation (/compact) or route long requests to a longContext model."),
                FailureKind.ContextTooLong, Retryable: false, ClientFault: true, null);
        }

        if (clientStatus)
        {
            return new UpstreamFailure(new AnthropicError(status == 413 ? 413 : 400, status == 413 ? "request_too_large" : "invalid_request_error", shown),
                FailureKind.BadRequest, Retryable: false, ClientFault: true, null);
        }

        if (status == 408)
        {
            return new UpstreamFailure(new AnthropicError(529, "overloaded_error", shown), FailureKind.Timeout, Retryable: true, ClientFault: false, retryAfter);
        }

        if (status >= 500)
        {
            return new UpstreamFailure(new AnthropicError(status is >= 500 and <= 504 ? status : 500, "api_error", shown), FailureKind.Server, Retryable: true, ClientFault: false, retryAfter);
        }

        if (status == 0)
        {
            return new UpstreamFailure(new AnthropicError(502, "api_error", shown), FailureKind.InvalidResponse, Retryable: true, ClientFault: false, null);
        }

        // Other 4xx (405, 409...): something about the route is wrong, not the request; let the next tier try.
        return new UpstreamFailure(new AnthropicError(502, "api_error", shown), FailureKind.InvalidResponse, Retryable: true, ClientFault: false, retryAfter);
    }

    internal static TimeSpan? ParseRetryAfter(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null)
        {
            return null;
        }

        string? value = null;
        foreach (KeyValuePair<string, string> header in headers)
        {
            if (header.Key.Equals("Retry-After", StringComparison.OrdinalIgnoreCase))
            {
                value = header.Value.Trim();
                break;
            }
        }

        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            return seconds >= 0 ? TimeSpan.FromSeconds(seconds) : null;
        }

        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset when))
        {
            TimeSpan wait = when - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>Removes the provider's key, and anything shaped like a key, from text that will be shown or logged.</summary>
    internal static string Scrub(string text, ProviderConfig? provider)
    {
        if (provider?.ApiKey is { Length: > 0 } key)
        {
            text = text.Replace(key, "[redacted]", StringComparison.Ordinal);
        }

        return KeyShape().Replace(text, m => m.Value[..Math.Min(6, m.Value.Length)] + "…[redacted]");
    }

    private static string Truncate(string text)
    {
        text = text.Trim();
        return text.Length <= MaxMessageLength ? text : text[..MaxMessageLength] + "…";
    }

    private static T? Find<T>(Exception e)
        where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }

    [GeneratedRegex(@"(sk-|sk_)[A-Za-z0-9_\-]{12,}")]
    private static partial Regex KeyShape();
}
