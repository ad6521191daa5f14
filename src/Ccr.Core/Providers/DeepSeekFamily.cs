namespace Ccr.Core.Providers;

/// <summary>
/// DeepSeek: thinking must go back as <c>reasoning_content</c> ("Missing reasoning_content" otherwise), successive
/// turns of one role are rejected, reasoner models refuse sampling parameters and deepseek-chat stops at 8192 tokens.
/// </summary>
internal sealed class DeepSeekFamily : ProviderFamily
{
    private const int ChatModelCap = 8192;

    private static readonly string[] s_domains = { "deepseek.com" };
    private static readonly string[] s_transformerNames = { "deepseek" };

    /// <inheritdoc/>
    public override string Name => "deepseek";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Domains => s_domains;

    /// <inheritdoc/>
    public override IReadOnlyList<string> TransformerNames => s_transformerNames;

    /// <inheritdoc/>
    public override string ExampleBaseUrl => "https://api.deepseek.com";

    /// <summary>DeepSeek's own API, reasoner first (the one that plans well), chat as the cheaper second model.</summary>
    public override IReadOnlyList<ProviderTemplate> Templates { get; } = new[]
    {
        new ProviderTemplate(
            "DeepSeek",
            "deepseek",
            "https://api.deepseek.com",
            new[] { "deepseek-reasoner", "deepseek-chat" },
            "ccr-deepseek",
            "DEEPSEEK_API_KEY",
            "DeepSeek API (pay as you go)",
            "An API key from platform.deepseek.com (API keys)."),
    };

    /// <inheritdoc/>
    public override ReasoningStyle Reasoning => ReasoningStyle.ModelDecides;

    /// <inheritdoc/>
    public override bool MergeConsecutiveRoles => true;

    /// <inheritdoc/>
    public override bool SendReasoningContentBack => true;

    /// <summary>deepseek-chat stops at 8192 whatever the provider cap says.</summary>
    public override int? MaxTokensCapFor(string model, int? providerCap)
    {
        if (model.Equals("deepseek-chat", StringComparison.OrdinalIgnoreCase))
        {
            return providerCap is int c ? Math.Min(c, ChatModelCap) : ChatModelCap;
        }

        return providerCap;
    }

    /// <summary>Reasoner models reject temperature and top_p.</summary>
    public override bool DropsSamplingParameters(string model) => model.Contains("reasoner", StringComparison.OrdinalIgnoreCase);
}
