using System.Diagnostics;
using System.Text;
using Ccr.Core.Protocol;
using Ccr.Core.Tokens;

namespace Ccr.Core.Tests.Tokens;

/// <summary>The hand-written scanner must split exactly where the tokenizer's own regex splits, or counts drift.</summary>
public class O200kPreTokenizerTests
{
    // Fragments chosen to hit every alternative and its backtracking: case changes, contractions in any case (and the
    // look-alikes U+017F and U+212A that the regex does not fold), Lt/Lm/Lo/M chars that sit in both letter classes,
    // numbers of several categories, each whitespace kind, line breaks around spaces, '/' after punctuation, surrogates.
    private static readonly string[] s_fragments =
    [
        "a", "z", "Z", "Q", "hello", "World", "DON", "iPhone", "'s", "'S", "'t", "'LL", "'ll", "'re", "'rE", "'Ve", "'m", "'d", "'x", "'", "''",
        "\u017F", "\u212A", "0", "7", "123", "4567", "\u2167", "\u00B2", "\u0660", " ", "  ", "   ", "\t", "\r", "\n", "\r\n", "\v", "\f",
        ".", ",", "!", "?", "/", "//", "{", "}", "\"", "-", "_", "<", "|", "é", "É", "\u0301", "\u02B0", "\u01C5", "中", "文", "\u3042",
        "😀", "\uD83D", "\u00A0", "\u2028", "\u2029", "\u0085", "\u200B", "\u3000", "\u00AA", "\u0903",
    ];

    [Theory]
    [InlineData("Hello world, it's a DON'T and we'LL see.")]
    [InlineData("a\u0301b \u02B0A \u02B0\u01C5 \u0301\u01C5 \u0301A \u0301 x")]
    [InlineData("AB\u02B0CD\u00E9 \u00C9\u0301\u00C9x \u4E2D\u6587ABC")]
    [InlineData("x  \n  y\r\n\r\n\tz   ")]
    [InlineData("  \u00A0x \u2028 y\u0085z")]
    [InlineData("!!!\n/\n// comment\n\tif (a) { return b; }\n")]
    [InlineData("12345678 \u0661\u0662\u0663\u0664 \u00B2\u00B3")]
    [InlineData("\uD83D\uDE00\uD83D\uDE00 x\uD83D\uDE00y \uD83D")]
    [InlineData(" ")]
    [InlineData("\n")]
    [InlineData("a")]
    [InlineData("it'\u212A don'\u017F")]
    public void Pieces_EqualTheRegexPreTokenizer_ForHandPickedText(string text)
    {
        Assert.Equal(RegexPieces(text), ScannerPieces(text));
    }

    [Fact]
    public void AsciiTable_AgreesWithTheUnicodeCategories()
    {
        for (char c = '\0'; c < 128; c++)
        {
            Assert.True(O200kPreTokenizer.ClassifyNonAscii(c) == O200kPreTokenizer.ClassifyAscii(c), "char U+" + ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Pieces_EqualTheRegexPreTokenizer_ForEveryBmpCharInSeveralContexts()
    {
        var problems = new List<string>();
        var builder = new StringBuilder();
        for (int block = 0; block <= 0xFFFF && problems.Count < 10; block += 256)
        {
            builder.Clear();
            for (int code = block; code < block + 256; code++)
            {
                char c = (char)code;
                builder.Append('a').Append(c).Append("b ").Append(c).Append(c).Append('A').Append(c).Append("'s 1").Append(c).Append("2 !").Append(c).Append('\n').Append(c).Append(" x").Append(c).Append(' ');
            }

            string text = builder.ToString();
            List<(int Offset, int Length)> expected = RegexPieces(text);
            List<(int Offset, int Length)> actual = ScannerPieces(text);
            if (!expected.SequenceEqual(actual))
            {
                int first = expected.Zip(actual).TakeWhile(p => p.First == p.Second).Count();
                problems.Add("block U+" + block.ToString("X4", System.Globalization.CultureInfo.InvariantCulture) + " near " + Escape(text.Substring(expected[first].Offset, Math.Min(20, text.Length - expected[first].Offset))));
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void Pieces_EqualTheRegexPreTokenizer_ForThousandsOfRandomMixedTexts()
    {
        var random = new Random(20240611);
        var builder = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < 6000; i++)
        {
            builder.Clear();
            int fragments = random.Next(1, 24);
            for (int f = 0; f < fragments; f++)
            {
                builder.Append(s_fragments[random.Next(s_fragments.Length)]);
            }

            string text = builder.ToString();
            List<(int Offset, int Length)> expected = RegexPieces(text);
            List<(int Offset, int Length)> actual = ScannerPieces(text);
            Assert.True(expected.SequenceEqual(actual), "case " + i + " " + Escape(text) + ": regex " + Describe(text, expected) + " scanner " + Describe(text, actual));
        }

        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void CountText_EqualsTheTokenizerCount_ForRandomMixedTexts()
    {
        var random = new Random(7);
        var builder = new StringBuilder();
        for (int i = 0; i < 2000; i++)
        {
            builder.Clear();
            int fragments = random.Next(1, 40);
            for (int f = 0; f < fragments; f++)
            {
                string fragment = s_fragments[random.Next(s_fragments.Length)];

                // A lone surrogate is not text the proxy ever counts (JSON bodies with one are rejected).
                builder.Append(fragment == "\uD83D" ? "\uD83D\uDE00" : fragment);
            }

            string text = builder.ToString();
            Assert.True(TokenCounter.Tokenizer.CountTokens(text) == TokenCounter.CountText(text), "case " + i + " " + Escape(text));
        }
    }

    /// <summary>The kinds of text <c>RealisticText</c> builds.</summary>
    public static TheoryData<string> TextKinds => new() { "prose", "csharp", "json", "chinese", "mixed" };

    [Theory]
    [MemberData(nameof(TextKinds))]
    public void CountText_EqualsTheTokenizerCount_ForRealisticTexts(string kind)
    {
        string text = RealisticText(kind);
        Assert.Equal(TokenCounter.Tokenizer.CountTokens(text), TokenCounter.CountText(text));
    }

    [Fact]
    public void CountText_OfPiecesLongerThanTheSlice_StaysWithinATenthOfAPercent()
    {
        // Unpunctuated CJK runs form pieces of hundreds of chars; they are counted in 64-char slices, as before this scanner.
        var random = new Random(3);
        string characters = "路由器在协议之间转换请求当配额用尽时会回退到下一层我们测量了延迟和错误";
        var builder = new StringBuilder();
        while (builder.Length < 20_000)
        {
            builder.Append(characters[random.Next(characters.Length)]);
            if (random.Next(300) == 0)
            {
                builder.Append('。');
            }
        }

        string text = builder.ToString();
        long direct = TokenCounter.Tokenizer.CountTokens(text);
        Assert.InRange(TokenCounter.CountText(text), direct * 0.999, direct * 1.001);
    }

    [Theory]
    [MemberData(nameof(TextKinds))]
    public void CountRequest_OfALargeText_CountedInParallelParts_EqualsTheTokenizerCountExactly(string kind)
    {
        // Over 16k chars a text is split into parts counted on every core; the cuts must not move a single token.
        string text = RealisticText(kind) + RealisticText(kind) + RealisticText(kind) + " " + Guid.NewGuid().ToString("N");
        byte[] body = Encoding.UTF8.GetBytes(new System.Text.Json.Nodes.JsonObject
        {
            ["model"] = "m",
            ["messages"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["role"] = "user", ["content"] = text }),
        }.ToJsonString());
        const int PerMessageOverhead = 3;
        Assert.Equal(TokenCounter.Tokenizer.CountTokens(text) + PerMessageOverhead, TokenCounter.CountRequest(body));
    }

    [Fact]
    public void CountText_OfALongEmojiRun_NeverCutsAPairInHalf()
    {
        // An odd start puts every 64-char slice boundary inside a surrogate pair unless the slicing steps around it.
        string text = "!" + string.Concat(Enumerable.Repeat("\uD83D\uDE00", 300));
        // Cutting pairs gives 346 tokens here against the tokenizer's 301.
        long direct = TokenCounter.Tokenizer.CountTokens(text);
        Assert.InRange(TokenCounter.CountText(text), direct * 0.99, direct * 1.01);
    }

    [Fact]
    public void CountText_OfALongEmojiRunBesideASpecialToken_NeverCutsAPairInHalf()
    {
        // Text with "<|" takes the tokenizer's own path, whose long-run slicing follows the same rule.
        string text = "<|endoftext|> !" + string.Concat(Enumerable.Repeat("\uD83D\uDE00", 300));
        long direct = TokenCounter.Tokenizer.CountTokens(text);
        Assert.InRange(TokenCounter.CountText(text), direct * 0.99, direct * 1.01);
    }

    [Fact]
    public void CountText_LeavesSpecialTokensToTheTokenizer()
    {
        string text = "before <|endoftext|> after <|endofprompt|> done";
        Assert.Equal(TokenCounter.Tokenizer.CountTokens(text), TokenCounter.CountText(text));
    }

    [Fact]
    public void CountText_OfALongRunWithoutWhitespace_IsFastAndNearTheSlicedCount()
    {
        string text = new('x', 300_000);
        var stopwatch = Stopwatch.StartNew();
        long counted = TokenCounter.CountText(text);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        long sliced = TokenCounter.Tokenizer.CountTokens(new string('x', 64)) * (300_000 / 64) + TokenCounter.Tokenizer.CountTokens(new string('x', 300_000 % 64));
        Assert.Equal(sliced, counted);
    }

    private static string RealisticText(string kind)
    {
        var random = new Random(kind.Length);
        var builder = new StringBuilder();
        switch (kind)
        {
            case "prose":
                string[] words = ["The", "router", "doesn't", "translate", "requests", "between", "protocols;", "it'll", "fall", "back", "when", "a", "tier's", "quota", "is", "spent.", "We've", "measured", "3.5", "seconds", "of", "latency", "(p99)", "and", "42%", "fewer", "errors", "—", "naïve", "café", "résumé", "\n\n"];
                while (builder.Length < 40_000)
                {
                    builder.Append(words[random.Next(words.Length)]).Append(random.Next(12) == 0 ? ",  " : " ");
                }

                break;
            case "csharp":
                for (int i = 0; builder.Length < 40_000; i++)
                {
                    builder.Append("    /// <summary>Returns the value of item ").Append(i).Append(".</summary>\r\n");
                    builder.Append("    public static int GetValue").Append(i).Append("(IReadOnlyList<string> items, int index)\r\n    {\r\n");
                    builder.Append("        if (index < 0 || index >= items.Count) { throw new ArgumentOutOfRangeException(nameof(index)); }\r\n");
                    builder.Append("        return items[index].Length * ").Append(i % 7).Append("; // see https://example.com/docs/").Append(i).Append("\r\n    }\r\n\r\n");
                }

                break;
            case "json":
                builder.Append('[');
                for (int i = 0; builder.Length < 40_000; i++)
                {
                    builder.Append("{\"id\":").Append(i).Append(",\"name\":\"item_").Append(i).Append("\",\"tags\":[\"a\",\"bB\",\"CcC\"],\"price\":").Append(i * 1.25).Append(",\"path\":\"C:\\\\Users\\\\me\\\\file").Append(i).Append(".txt\"},\n  ");
                }

                builder.Append(']');
                break;
            case "chinese":
                // Real sentences break at punctuation well within 64 chars; see the next test for runs that do not.
                string[] phrases = ["路由器", "在协议之间转换请求", "当配额用尽时", "会回退到下一层", "我们测量了", "延迟", "和错误", "Claude"];
                string[] breaks = ["，", "。", "、", "\n", "：", "（1）"];
                while (builder.Length < 20_000)
                {
                    builder.Append(phrases[random.Next(phrases.Length)]).Append(phrases[random.Next(phrases.Length)]).Append(breaks[random.Next(breaks.Length)]);
                }

                break;
            default:
                string[] mixed = ["Hello", " 世界", "😀", " x²", " ÉCOLE", "'S", " über", "\t", "\n", "  ", "ℌ", "ǅungla", " 123456", " --> ", "/", "a\u0301", " \u00A0", "Ⅻ"];
                while (builder.Length < 20_000)
                {
                    builder.Append(mixed[random.Next(mixed.Length)]);
                }

                break;
        }

        return builder.ToString();
    }

    private static List<(int Offset, int Length)> RegexPieces(string text) => TokenCounter.Tokenizer.PreTokenizer!.PreTokenize(text).ToList();

    private static List<(int Offset, int Length)> ScannerPieces(string text)
    {
        var pieces = new List<(int Offset, int Length)>();
        for (int start = 0; start < text.Length;)
        {
            int length = O200kPreTokenizer.PieceLength(text, start);
            pieces.Add((start, length));
            start += length;
        }

        return pieces;
    }

    private static string Describe(string text, List<(int Offset, int Length)> pieces) =>
        string.Join("|", pieces.Select(p => Escape(text.Substring(p.Offset, p.Length))));

    private static string Escape(string text)
    {
        var builder = new StringBuilder();
        foreach (char c in text)
        {
            builder.Append(c is >= ' ' and < '\u007F' ? c.ToString() : "\\u" + ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }
}
