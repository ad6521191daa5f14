using System.Text;

namespace Ccr.Core.Server.Http;

/// <summary>Why a request head could not be read; each maps to one status code.</summary>
internal enum HeadError
{
    None,
    Malformed,
    TooLarge,
    UnsupportedTransferEncoding,
    VersionNotSupported,
}
