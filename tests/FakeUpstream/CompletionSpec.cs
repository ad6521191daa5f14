namespace FakeUpstream;

/// <summary>One tool call of a scripted answer.</summary>
internal sealed record ToolCallSpec(string Id, string Name, string ArgumentsJson)
{
    /// <summary>The arguments in the pieces a provider would stream them in.</summary>
    public IReadOnlyList<string> ArgumentPieces { get; } = CompletionSpec.SplitInto(ArgumentsJson, 3);

    /// <summary>Anthropic tool_use ids start with <c>toolu_</c>, OpenAI ones with <c>call_</c>.</summary>
    public string AnthropicId => "toolu_" + Id.Replace("call_", string.Empty, StringComparison.Ordinal);
}

/// <summary>The content of a successful answer, independent of wire format: reasoning, text pieces, tool calls, usage.</summary>
internal sealed class CompletionSpec
{
    public CompletionSpec(
        IReadOnlyList<string> textPieces,
        int inputTokens,
        int outputTokens,
        IReadOnlyList<ToolCallSpec>? toolCalls = null,
        IReadOnlyList<string>? reasoningPieces = null)
    {
        TextPieces = textPieces;
        InputTokens = inputTokens;
        OutputTokens = outputTokens;
        ToolCalls = toolCalls ?? [];
        ReasoningPieces = reasoningPieces ?? [];
    }

    public IReadOnlyList<string> TextPieces { get; }

    public IReadOnlyList<ToolCallSpec> ToolCalls { get; }

    public IReadOnlyList<string> ReasoningPieces { get; }

    public int InputTokens { get; }

    public int OutputTokens { get; }

    public bool HasText => TextPieces.Count > 0;

    public bool HasReasoning => ReasoningPieces.Count > 0;

    public string Text => string.Concat(TextPieces);

    public string Reasoning => string.Concat(ReasoningPieces);

    /// <summary>Splits text after each space, the way token streams arrive word by word.</summary>
    public static IReadOnlyList<string> SplitWords(string text)
    {
        var pieces = new List<string>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == ' ')
            {
                pieces.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            pieces.Add(text[start..]);
        }

        return pieces;
    }

    /// <summary>Splits text into at most <paramref name="count"/> pieces of about equal length.</summary>
    public static IReadOnlyList<string> SplitInto(string text, int count)
    {
        if (text.Length == 0)
        {
            return [];
        }

        int size = Math.Max(1, (text.Length + count - 1) / count);
        return SplitBySize(text, size);
    }

    /// <summary>Splits text into pieces of <paramref name="size"/> characters.</summary>
    public static IReadOnlyList<string> SplitBySize(string text, int size)
    {
        var pieces = new List<string>((text.Length / size) + 1);
        for (int start = 0; start < text.Length; start += size)
        {
            pieces.Add(text.Substring(start, Math.Min(size, text.Length - start)));
        }

        return pieces;
    }
}
