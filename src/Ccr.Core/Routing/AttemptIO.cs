using Ccr.Core.Buffers;
using Ccr.Core.Protocol;

namespace Ccr.Core.Routing;

/// <summary>The rules every part of an attempt shares for writing to the client and telling whose side failed.</summary>
internal static class AttemptIO
{
    /// <summary>Writes and clears <paramref name="output"/>; false when the client has gone.</summary>
    public static async ValueTask<bool> TryWriteAsync(IResponseSink sink, PooledBufferWriter output, CancellationToken clientToken)
    {
        if (output.WrittenCount == 0)
        {
            return true;
        }

        try
        {
            await sink.WriteAndFlushAsync(output.WrittenMemory, clientToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (IsClientFailure(e))
        {
            return false;
        }
        finally
        {
            output.Clear();
        }
    }

    /// <summary>Tells the client which route and tier answered; set before the status line is committed.</summary>
    public static void SetRouteHeaders(IResponseSink sink, PlannedTarget target)
    {
        sink.SetHeader("x-ccr-route", target.Key);
        sink.SetHeader("x-ccr-tier", target.TierName);
    }

    /// <summary>A 200 that is no usable answer: retryable, so the next attempt or tier may serve.</summary>
    public static UpstreamFailure InvalidResponse(string message) =>
        new(new AnthropicError(502, "api_error", message), FailureKind.InvalidResponse, Retryable: true, ClientFault: false, RetryAfter: null);

    /// <summary>The upstream call failed: network, timeout or cancellation.</summary>
    public static bool IsTransportFailure(Exception e) =>
        e is HttpRequestException or IOException or OperationCanceledException or System.Net.Sockets.SocketException or HttpIOException;

    /// <summary>Writing to the client failed: it went away.</summary>
    public static bool IsClientFailure(Exception e) =>
        e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException;
}
