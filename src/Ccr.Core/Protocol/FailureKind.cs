using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol;

/// <summary>Why an upstream attempt failed, as the router needs to know it.</summary>
internal enum FailureKind
{
    Auth,
    QuotaExceeded,
    RateLimited,
    ContextTooLong,
    BadRequest,
    Server,
    Timeout,
    Network,
    InvalidResponse,
}
