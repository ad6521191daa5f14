using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol;

/// <summary>
/// Shared writer settings: compact, and no escaping of non-ASCII (a proxy must not bloat CJK text sixfold).
/// Output is only ever JSON bodies or SSE data lines, never HTML, so the relaxed encoder is safe.
/// </summary>
internal static class JsonOutput
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        SkipValidation = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 };

    public static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 };
}
