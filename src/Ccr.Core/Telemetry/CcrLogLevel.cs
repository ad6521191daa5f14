using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;

namespace Ccr.Core.Telemetry;

/// <summary>Severity of a diagnostic message (LOG_LEVEL).</summary>
internal enum CcrLogLevel
{
    /// <summary>Everything, including per-request details.</summary>
    Debug,

    /// <summary>Normal operation.</summary>
    Info,

    /// <summary>Something the user should look at.</summary>
    Warn,

    /// <summary>Something failed.</summary>
    Error,
}
