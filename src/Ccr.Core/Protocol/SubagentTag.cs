namespace Ccr.Core.Protocol;

/// <summary>The <c>&lt;CCR-SUBAGENT-MODEL&gt;provider,model&lt;/CCR-SUBAGENT-MODEL&gt;</c> tag Claude Code subagents put at the start of their system prompt.</summary>
internal static class SubagentTag
{
    public const string Open = "<CCR-SUBAGENT-MODEL>";
    public const string Close = "</CCR-SUBAGENT-MODEL>";

    public static ReadOnlySpan<byte> OpenUtf8 => "<CCR-SUBAGENT-MODEL>"u8;

    /// <summary>Reads the route from a tag at the start of <paramref name="text"/> (leading whitespace allowed).</summary>
    public static bool TryRead(string text, out string route, out int tagEnd)
    {
        route = "";
        tagEnd = 0;
        int start = 0;
        while (start < text.Length && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        if (!text.AsSpan(start).StartsWith(Open, StringComparison.Ordinal))
        {
            return false;
        }

        int close = text.IndexOf(Close, start + Open.Length, StringComparison.Ordinal);
        if (close < 0)
        {
            return false;
        }

        route = text.Substring(start + Open.Length, close - start - Open.Length).Trim();
        tagEnd = close + Close.Length;
        return true;
    }

    /// <summary>The text with a leading tag (and the whitespace after it) removed; unchanged when there is none.</summary>
    public static string Strip(string text)
    {
        if (!TryRead(text, out _, out int tagEnd))
        {
            return text;
        }

        return text[tagEnd..].TrimStart();
    }
}
