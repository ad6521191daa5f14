namespace Ccr.Core.Providers;

/// <summary>An upstream error as the families read it: its status, code and the lower-cased text of code, type and message.</summary>
internal readonly struct UpstreamErrorText
{
    public UpstreamErrorText(int status, string? code, string? type, string? message)
    {
        Status = status;
        Code = code;
        Text = ((code ?? "") + " " + (type ?? "") + " " + (message ?? "")).ToLowerInvariant();
    }

    /// <summary>The HTTP status, or 0 for an error inside a 200 answer.</summary>
    public int Status { get; }

    /// <summary>The vendor's error code as written.</summary>
    public string? Code { get; }

    /// <summary>Code, type and message, lower-cased.</summary>
    public string Text { get; }

    /// <summary>Whether the text contains any of <paramref name="phrases"/> (lower-case).</summary>
    public bool Mentions(IReadOnlyList<string> phrases)
    {
        foreach (string phrase in phrases)
        {
            if (Text.Contains(phrase, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the code is one of <paramref name="codes"/>.</summary>
    public bool CodeIs(IReadOnlyList<string> codes)
    {
        if (Code is null)
        {
            return false;
        }

        foreach (string code in codes)
        {
            if (Code == code)
            {
                return true;
            }
        }

        return false;
    }
}
