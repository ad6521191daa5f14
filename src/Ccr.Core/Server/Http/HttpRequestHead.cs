using System.Text;

namespace Ccr.Core.Server.Http;

/// <summary>A parsed HTTP/1.x request line and headers.</summary>
internal sealed class HttpRequestHead
{
    private readonly List<KeyValuePair<string, string>> _headers = new(16);

    public string Method { get; private set; } = "";

    /// <summary>The request target as sent (path and query, still percent-encoded).</summary>
    public string RawTarget { get; private set; } = "";

    /// <summary>The path part of the target, percent-decoded except for encoded slashes.</summary>
    public string Path { get; private set; } = "/";

    public bool Http11 { get; private set; }

    public long ContentLength { get; private set; } = -1;

    public bool Chunked { get; private set; }

    public bool ExpectContinue { get; private set; }

    public bool KeepAlive { get; private set; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>The first value of a header, ignoring case, or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (KeyValuePair<string, string> header in _headers)
            {
                if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    return header.Value;
                }
            }

            return null;
        }
    }

    /// <summary>Parses <paramref name="head"/> (without the blank line that ends it).</summary>
    public HeadError Parse(ReadOnlySpan<byte> head)
    {
        _headers.Clear();
        ContentLength = -1;
        Chunked = false;
        ExpectContinue = false;

        int lineEnd = head.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> requestLine = lineEnd < 0 ? head : head[..lineEnd];
        int firstSpace = requestLine.IndexOf((byte)' ');
        int lastSpace = requestLine.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace)
        {
            return HeadError.Malformed;
        }

        ReadOnlySpan<byte> version = requestLine[(lastSpace + 1)..];
        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            Http11 = true;
        }
        else if (version.SequenceEqual("HTTP/1.0"u8))
        {
            Http11 = false;
        }
        else
        {
            return version.StartsWith("HTTP/"u8) ? HeadError.VersionNotSupported : HeadError.Malformed;
        }

        ReadOnlySpan<byte> method = requestLine[..firstSpace];
        ReadOnlySpan<byte> target = requestLine[(firstSpace + 1)..lastSpace];
        if (!IsToken(method) || target.Length == 0 || target.IndexOfAnyInRange((byte)0, (byte)32) >= 0)
        {
            return HeadError.Malformed;
        }

        Method = KnownMethod(method) ?? Encoding.ASCII.GetString(method);
        RawTarget = Encoding.UTF8.GetString(target);
        Path = DecodePath(RawTarget);

        bool connectionClose = false;
        bool connectionKeepAlive = false;
        ReadOnlySpan<byte> rest = lineEnd < 0 ? ReadOnlySpan<byte>.Empty : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlySpan<byte>.Empty : rest[(end + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon]))
            {
                // Includes obsolete line folding (a line starting with a space), which RFC 9112 lets servers reject.
                return HeadError.Malformed;
            }

            string name = CommonText.Find(line[..colon], CommonText.HeaderNames) ?? Encoding.ASCII.GetString(line[..colon]);
            ReadOnlySpan<byte> valueBytes = line[(colon + 1)..].Trim((byte)' ').Trim((byte)'\t');
            string value = CommonText.Find(valueBytes, CommonText.HeaderValues) ?? Encoding.UTF8.GetString(valueBytes);
            _headers.Add(new KeyValuePair<string, string>(name, value));

            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (ContentLength >= 0 || !long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long length))
                {
                    return HeadError.Malformed;
                }

                ContentLength = length;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                if (!value.Equals("chunked", StringComparison.OrdinalIgnoreCase))
                {
                    return HeadError.UnsupportedTransferEncoding;
                }

                Chunked = true;
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                connectionClose |= value.Contains("close", StringComparison.OrdinalIgnoreCase);
                connectionKeepAlive |= value.Contains("keep-alive", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("Expect", StringComparison.OrdinalIgnoreCase))
            {
                ExpectContinue = value.Equals("100-continue", StringComparison.OrdinalIgnoreCase);
            }
        }

        if (Chunked && ContentLength >= 0)
        {
            // Both framings at once is the classic request-smuggling shape: refuse it.
            return HeadError.Malformed;
        }

        KeepAlive = Http11 ? !connectionClose : connectionKeepAlive;
        return HeadError.None;
    }

    private static string DecodePath(string target)
    {
        int query = target.IndexOf('?', StringComparison.Ordinal);
        string path = query < 0 ? target : target[..query];
        if (path.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || path.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            // Absolute form: keep only the path.
            int slash = path.IndexOf('/', path.IndexOf("//", StringComparison.Ordinal) + 2);
            path = slash < 0 ? "/" : path[slash..];
        }

        if (path.Contains('%', StringComparison.Ordinal))
        {
            // Encoded slashes stay encoded so they can never split a path segment (see TryParseRoute).
            path = Uri.UnescapeDataString(path.Replace("%2F", "%252F", StringComparison.OrdinalIgnoreCase)
                                              .Replace("%5C", "%255C", StringComparison.OrdinalIgnoreCase));
        }

        return path.Length == 0 ? "/" : path;
    }

    private static string? KnownMethod(ReadOnlySpan<byte> method)
    {
        if (method.SequenceEqual("POST"u8))
        {
            return "POST";
        }

        if (method.SequenceEqual("GET"u8))
        {
            return "GET";
        }

        if (method.SequenceEqual("HEAD"u8))
        {
            return "HEAD";
        }

        return null;
    }

    private static bool IsToken(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (byte b in text)
        {
            bool ok = (b >= (byte)'a' && b <= (byte)'z') || (b >= (byte)'A' && b <= (byte)'Z') || (b >= (byte)'0' && b <= (byte)'9') ||
                      b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or
                           (byte)'*' or (byte)'+' or (byte)'^' or (byte)'`' or (byte)'|' or (byte)'~';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
