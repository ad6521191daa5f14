using System.Buffers.Text;
using System.Text;

namespace Ccr.Bench.Http;

/// <summary>The few header fields the bench's client and mock need to frame a message, read from the lines after the start line.</summary>
internal static class HeaderFields
{
    /// <param name="headerLines">The header lines, CRLF-separated, without the request or status line.</param>
    /// <param name="contentLength">Content-Length, or -1 when absent.</param>
    /// <param name="chunked">Whether Transfer-Encoding is chunked.</param>
    /// <param name="keepAlive">False when Connection says close.</param>
    public static void Read(ReadOnlySpan<byte> headerLines, out long contentLength, out bool chunked, out bool keepAlive)
    {
        contentLength = -1;
        chunked = false;
        keepAlive = true;
        ReadOnlySpan<byte> rest = headerLines;
        while (!rest.IsEmpty)
        {
            int next = rest.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = next < 0 ? rest : rest[..next];
            rest = next < 0 ? default : rest[(next + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            ReadOnlySpan<byte> name = line[..colon];
            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                Utf8Parser.TryParse(value, out contentLength, out _);
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                chunked = value.IndexOf("chunked"u8) >= 0;
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                keepAlive = !Ascii.EqualsIgnoreCase(value, "close"u8);
            }
        }
    }
}
