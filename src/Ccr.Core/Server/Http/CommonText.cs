using System.Text;

namespace Ccr.Core.Server.Http;

/// <summary>
/// Header names and values that nearly every request carries (curl's, node's and the SDKs' spellings), kept as
/// one shared string each so parsing a request head does not allocate them again for every request.
/// </summary>
internal static class CommonText
{
    /// <summary>Header names, in the spellings clients send them.</summary>
    public static readonly Entry[] HeaderNames = Entries(
        "host", "Host", "content-type", "Content-Type", "content-length", "Content-Length", "user-agent", "User-Agent",
        "accept", "Accept", "accept-encoding", "Accept-Encoding", "accept-language", "connection", "Connection",
        "anthropic-version", "anthropic-beta", "anthropic-dangerous-direct-browser-access", "x-api-key", "authorization", "Authorization",
        "x-app", "x-stainless-lang", "x-stainless-package-version", "x-stainless-os", "x-stainless-arch", "x-stainless-runtime",
        "x-stainless-runtime-version", "x-stainless-retry-count", "x-stainless-timeout", "x-stainless-helper-method", "sec-fetch-mode");

    /// <summary>Header values that repeat request after request.</summary>
    public static readonly Entry[] HeaderValues = Entries(
        "application/json", "2023-06-01", "keep-alive", "close", "*/*", "application/json, text/event-stream", "text/event-stream",
        "gzip, deflate", "gzip, deflate, br", "gzip, deflate, br, zstd", "br, gzip, deflate", "js", "cli", "cors", "true", "0", "*");

    /// <summary>The shared string spelled exactly as <paramref name="bytes"/>, or null when it is not in <paramref name="table"/>.</summary>
    public static string? Find(ReadOnlySpan<byte> bytes, Entry[] table)
    {
        foreach (Entry entry in table)
        {
            if (entry.Bytes.Length == bytes.Length && bytes.SequenceEqual(entry.Bytes))
            {
                return entry.Text;
            }
        }

        return null;
    }

    private static Entry[] Entries(params string[] texts) => Array.ConvertAll(texts, t => new Entry(Encoding.UTF8.GetBytes(t), t));

    /// <summary>A text and its UTF-8 bytes.</summary>
    internal readonly record struct Entry(byte[] Bytes, string Text);
}
