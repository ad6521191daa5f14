using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol;

/// <summary>An upstream answered, but not with something we can translate (an error inside a 200, garbage).</summary>
internal sealed class UpstreamProtocolException : Exception
{
    public UpstreamProtocolException(UpstreamFailure failure)
        : base(failure?.Error.Message)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Failure = failure;
    }

    public UpstreamProtocolException(UpstreamFailure failure, Exception inner)
        : base(failure?.Error.Message, inner)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Failure = failure;
    }

    public UpstreamFailure Failure { get; }

    internal static UpstreamProtocolException Invalid(string message, Exception? inner = null)
    {
        var failure = new UpstreamFailure(new AnthropicError(502, "api_error", message), FailureKind.InvalidResponse, Retryable: true, ClientFault: false, RetryAfter: null);
        return inner is null ? new UpstreamProtocolException(failure) : new UpstreamProtocolException(failure, inner);
    }
}
