using System.Buffers.Binary;
using System.Buffers;
using System.Text.Json;
using Ccr.Core.Buffers;
using Ccr.Core.Protocol;
using Microsoft.ML.Tokenizers;

namespace Ccr.Core.Tokens;

/// <summary>Counts the tokens of an Anthropic request: exactly enough for Claude Code's auto-compaction, and cheaply for routing.</summary>
internal static class TokenCounter
{
    /// <summary>What an image costs when its size is unknown (Anthropic's cap for a resized image is about this).</summary>
    public const int DefaultImageTokens = 1600;

    // Role markers and block separators the model sees around each message and tool definition.
    private const int PerMessageOverhead = 3;
    private const int PerBlockOverhead = 1;
    private const int PerToolOverhead = 8;

    private const int MaxRunChars = 64;

    private static readonly Lazy<Tokenizer> s_tokenizer = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Real BPE (o200k_base) over system, messages (text, tool_use input, tool_result content, thinking), tools, plus image/document estimates.</summary>
    /// <exception cref="AnthropicRequestException">The body is not a JSON object.</exception>
    public static int CountRequest(ReadOnlySpan<byte> anthropicBody)
    {
        using PooledCopy copy = PooledCopy.Of(anthropicBody);
        try
        {
            using JsonDocument document = AnthropicToOpenAIRequest.ParseRequest(copy.Memory);
            JsonElement root = document.RootElement;
            long total = 0;
            if (root.TryGetProperty("system", out JsonElement system))
            {
                total += CountContent(system);
            }

            if (root.TryGetProperty("messages", out JsonElement messages) && messages.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement message in messages.EnumerateArray())
                {
                    total += PerMessageOverhead;
                    if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out JsonElement content))
                    {
                        total += CountContent(content);
                    }
                }
            }

            if (root.TryGetProperty("tools", out JsonElement tools) && tools.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement tool in tools.EnumerateArray())
                {
                    if (tool.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    total += PerToolOverhead + CountString(tool, "name") + CountString(tool, "description");
                    if (tool.TryGetProperty("input_schema", out JsonElement schema))
                    {
                        total += Count(schema.GetRawText());
                    }
                }
            }

            return (int)Math.Min(int.MaxValue, total);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new AnthropicRequestException("The request body has a string with an invalid \\u escape (a lone surrogate); send valid UTF-16 escapes.", e);
        }
    }

    /// <summary>A fast estimate for routing (longContext): string bytes / 4, with images and signatures at fixed costs instead of their base64 size.</summary>
    public static int Estimate(ReadOnlySpan<byte> anthropicBody)
    {
        var reader = new Utf8JsonReader(anthropicBody, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        long textBytes = 0;
        long fixedTokens = 0;
        bool skipNext = false;
        bool dataNext = false;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        skipNext = reader.ValueTextEquals("signature"u8) || reader.ValueTextEquals("media_type"u8) || reader.ValueTextEquals("type"u8);
                        dataNext = reader.ValueTextEquals("data"u8);
                        break;
                    case JsonTokenType.String:
                        int length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
                        if (dataNext && length > 1024)
                        {
                            fixedTokens += DefaultImageTokens;
                        }
                        else if (!skipNext)
                        {
                            textBytes += length;
                        }

                        skipNext = false;
                        dataNext = false;
                        break;
                    default:
                        skipNext = false;
                        dataNext = false;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // An estimate of a broken body is whatever was read; RequestFacts reports the error.
        }

        return (int)Math.Min(int.MaxValue, fixedTokens + (textBytes / 4));
    }

    private static long CountContent(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return Count(content.GetString());
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }

        long total = 0;
        foreach (JsonElement block in content.EnumerateArray())
        {
            if (block.ValueKind == JsonValueKind.Object)
            {
                total += PerBlockOverhead + CountBlock(block);
            }
        }

        return total;
    }

    private static long CountBlock(JsonElement block)
    {
        string? type = block.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "text":
                return CountString(block, "text");
            case "thinking":
                return CountString(block, "thinking");
            case "redacted_thinking":
                return (block.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.String ? data.GetString()!.Length : 0) / 4;
            case "tool_use":
            case "server_tool_use":
                return CountString(block, "name") + (block.TryGetProperty("input", out JsonElement input) ? Count(input.GetRawText()) : 0);
            case "tool_result":
            case "web_search_tool_result":
                return block.TryGetProperty("content", out JsonElement content) ? CountContent(content) : 0;
            case "image":
                return ImageTokens(block);
            case "document":
                return DocumentTokens(block);
            default:
                return CountString(block, "text");
        }
    }

    private static long ImageTokens(JsonElement block)
    {
        if (!block.TryGetProperty("source", out JsonElement source) || source.ValueKind != JsonValueKind.Object ||
            !source.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.String)
        {
            return DefaultImageTokens;
        }

        string base64 = data.GetString()!;
        if (TryImageSize(base64, out int width, out int height))
        {
            return Math.Clamp((long)width * height / 750, 1, DefaultImageTokens);
        }

        return DefaultImageTokens;
    }

    /// <summary>Reads width and height from a PNG or GIF header (the first bytes of the base64 data).</summary>
    internal static bool TryImageSize(string base64, out int width, out int height)
    {
        width = 0;
        height = 0;
        Span<byte> header = stackalloc byte[24];
        int chars = Math.Min(base64.Length, 32) / 4 * 4;
        if (chars < 16 || !Convert.TryFromBase64Chars(base64.AsSpan(0, chars), header, out int written))
        {
            return false;
        }

        if (written >= 24 && header[0] == 0x89 && header[1] == (byte)'P' && header[2] == (byte)'N' && header[3] == (byte)'G')
        {
            width = BinaryPrimitives.ReadInt32BigEndian(header[16..20]);
            height = BinaryPrimitives.ReadInt32BigEndian(header[20..24]);
            return width > 0 && height > 0;
        }

        if (written >= 10 && header[0] == (byte)'G' && header[1] == (byte)'I' && header[2] == (byte)'F')
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(header[6..8]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(header[8..10]);
            return width > 0 && height > 0;
        }

        return false;
    }

    private static long DocumentTokens(JsonElement block)
    {
        if (!block.TryGetProperty("source", out JsonElement source) || source.ValueKind != JsonValueKind.Object)
        {
            return DefaultImageTokens;
        }

        string? sourceType = source.TryGetProperty("type", out JsonElement st) && st.ValueKind == JsonValueKind.String ? st.GetString() : null;
        if (sourceType == "text")
        {
            return CountString(source, "data");
        }

        if (sourceType == "content" && source.TryGetProperty("content", out JsonElement inner))
        {
            return CountContent(inner);
        }

        // A PDF costs roughly its text plus an image per page; without parsing it, scale with its size.
        long bytes = source.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.String ? data.GetString()!.Length * 3L / 4 : 0;
        return Math.Max(DefaultImageTokens, bytes / 40);
    }

    private static long CountString(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? Count(value.GetString()) : 0;

    private static long Count(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        if (text.Length < LargeTextChars)
        {
            return CountText(text);
        }

        // Claude Code re-sends the whole conversation on every turn, so large blocks repeat: count each once.
        Hash key = Hash.Of(text);
        if (s_largeTextCounts.TryGetValue(key, out int cached))
        {
            return cached;
        }

        int count = CountInParallel(text);
        if (s_largeTextCounts.Count >= MaxCachedTexts)
        {
            s_largeTextCounts.Clear();
        }

        s_largeTextCounts[key] = count;
        return count;
    }

    /// <summary>
    /// Splits a large text where a piece boundary of the o200k pre-tokenizer is certain, so the count is exactly that of the
    /// whole text, and counts the parts on every core. A letter followed by a char that cannot continue a word (not a
    /// letter, a mark or an apostrophe) ends a word there, and the pattern never looks behind, so the next piece starts
    /// there whatever came before.
    /// </summary>
    private static int CountInParallel(string text)
    {
        var pieces = new List<(int Start, int Length)>(text.Length / PieceChars + 1);
        int start = 0;
        while (start < text.Length)
        {
            int end = Math.Min(text.Length, start + PieceChars);
            if (end < text.Length)
            {
                int cut = LastWordEnd(text, end, Math.Max(start + 1, end - 4096));
                if (cut > start)
                {
                    end = cut;
                }
            }

            pieces.Add((start, end - start));
            start = end;
        }

        if (pieces.Count == 1)
        {
            return (int)CountText(text);
        }

        long total = 0;
        Parallel.For(0, pieces.Count, i =>
        {
            (int pieceStart, int pieceLength) = pieces[i];
            Interlocked.Add(ref total, CountText(text.AsSpan(pieceStart, pieceLength)));
        });
        return (int)Math.Min(int.MaxValue, total);
    }

    /// <summary>The last index in [<paramref name="lowest"/>, <paramref name="end"/>) where a word ends, or -1.</summary>
    private static int LastWordEnd(string text, int end, int lowest)
    {
        for (int i = end - 1; i >= lowest; i--)
        {
            char next = text[i];
            if (char.IsLetter(text[i - 1]) && next != '\'' && !char.IsLetter(next) &&
                char.GetUnicodeCategory(next) is not (System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark or System.Globalization.UnicodeCategory.EnclosingMark))
            {
                return i;
            }
        }

        return -1;
    }

    private const int LargeTextChars = 16 * 1024;
    private const int PieceChars = 32 * 1024;
    private const int MaxCachedTexts = 4096;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Hash, int> s_largeTextCounts = new();

    /// <summary>A SHA-256 prefix of a text: collisions between two different large blocks are not a practical concern.</summary>
    private readonly record struct Hash(ulong A, ulong B)
    {
        public static Hash Of(string text)
        {
            Span<byte> digest = stackalloc byte[32];
            System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(text.AsSpan()), digest);
            return new Hash(BinaryPrimitives.ReadUInt64LittleEndian(digest), BinaryPrimitives.ReadUInt64LittleEndian(digest[8..]));
        }
    }

    /// <summary>
    /// Pre-tokenizes with <see cref="O200kPreTokenizer"/> and counts each piece once per process: the regex pre-tokenizer of
    /// Microsoft.ML.Tokenizers took more than half of a 200k-token count, and the same words recur in every conversation.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static long CountText(ReadOnlySpan<char> text)
    {
        // Special tokens such as <|endoftext|> are split off by the tokenizer before its regex; leave such text to it.
        if (text.Contains("<|", StringComparison.Ordinal))
        {
            return CountGuarded(text);
        }

        long total = 0;
        int start = 0;
        while (start < text.Length)
        {
            int length = O200kPreTokenizer.PieceLength(text, start);
            total += CountPiece(text.Slice(start, length));
            start += length;
        }

        return total;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static int CountPiece(ReadOnlySpan<char> piece)
    {
        if (piece.Length > MaxRunChars)
        {
            // BPE is quadratic in a piece's length (a base64 blob, 300 KB of 'x'): count long pieces in slices, uncached.
            int sliced = 0;
            for (int offset = 0; offset < piece.Length;)
            {
                int length = SliceLength(piece, offset);
                sliced += CountOnePiece(piece.Slice(offset, length));
                offset += length;
            }

            return sliced;
        }

        // Keyed by a 64-bit hash, not the chars: net8.0 has no span lookup into a string-keyed dictionary, and a hash fits
        // one atomic slot. Two pieces whose hashes agree in the 48 tag bits and the 17 slot bits would get each other's
        // count, a few tokens off; across the pieces of a conversation that is not a practical concern.
        ulong hash = PieceHash.Of(piece);
        if (PieceCountCache.TryGet(hash, out int count))
        {
            return count;
        }

        count = CountOnePiece(piece);
        PieceCountCache.Set(hash, count);
        return count;
    }

    /// <summary>BPE over one piece as it stands: the piece already is what the tokenizer's regex would give, so running the regex again only costs time.</summary>
    private static int CountOnePiece(ReadOnlySpan<char> piece) => s_tokenizer.Value.CountTokens(piece, considerPreTokenization: false);

    private static long CountGuarded(ReadOnlySpan<char> text)
    {
        // BPE over one very long run without whitespace (a base64 blob, a minified file, a fuzzer's 300 KB of 'x') is
        // quadratic in the run's length and held a core for minutes; such runs are counted in pieces instead. Ordinary
        // text has no run that long and is counted whole, exactly as before.
        long total = 0;
        int start = 0;
        int runStart = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                runStart = runStart < 0 ? i : runStart;
                continue;
            }

            if (runStart >= 0 && i - runStart > MaxRunChars)
            {
                total += CountSpan(text[start..runStart]);
                ReadOnlySpan<char> run = text[runStart..i];
                for (int offset = 0; offset < run.Length;)
                {
                    int length = SliceLength(run, offset);
                    total += CountSpan(run.Slice(offset, length));
                    offset += length;
                }

                start = i;
            }

            runStart = -1;
        }

        return total + CountSpan(text[start..]);
    }

    /// <summary>
    /// The length of the slice of a too-long run that starts at <paramref name="offset"/>: at most <see cref="MaxRunChars"/>,
    /// one less where that would cut an emoji (or any surrogate pair) in half, whose halves would each count as a
    /// replacement char.
    /// </summary>
    private static int SliceLength(ReadOnlySpan<char> run, int offset)
    {
        int length = Math.Min(MaxRunChars, run.Length - offset);
        return length < run.Length - offset && char.IsHighSurrogate(run[offset + length - 1]) ? length - 1 : length;
    }

    private static long CountSpan(ReadOnlySpan<char> text) => text.IsEmpty ? 0 : s_tokenizer.Value.CountTokens(text);

    /// <summary>The tokenizer itself, for tests that compare against a direct count.</summary>
    internal static Tokenizer Tokenizer => s_tokenizer.Value;
}
