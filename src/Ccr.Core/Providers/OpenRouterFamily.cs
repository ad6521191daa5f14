namespace Ccr.Core.Providers;

/// <summary>OpenRouter: thinking as <c>reasoning {max_tokens}</c>, PDFs as file parts, attribution headers, <c>sk-or-v1-</c> keys.</summary>
internal sealed class OpenRouterFamily : ProviderFamily
{
    private static readonly string[] s_domains = { "openrouter.ai" };
    private static readonly string[] s_transformerNames = { "openrouter" };
    private static readonly string[] s_keyPrefixes = { "sk-or-v1-" };

    /// <inheritdoc/>
    public override string Name => "openrouter";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Domains => s_domains;

    /// <inheritdoc/>
    public override IReadOnlyList<string> TransformerNames => s_transformerNames;

    /// <inheritdoc/>
    public override IReadOnlyList<string> KeyPrefixes => s_keyPrefixes;

    /// <inheritdoc/>
    public override string ExampleBaseUrl => "https://openrouter.ai/api/v1";

    /// <summary>OpenRouter, with a coding model that any account can use; its catalogue has hundreds more.</summary>
    public override IReadOnlyList<ProviderTemplate> Templates { get; } = new[]
    {
        new ProviderTemplate(
            "OpenRouter",
            "openrouter",
            "https://openrouter.ai/api/v1",
            new[] { "qwen/qwen3-coder" },
            "ccr-openrouter",
            "OPENROUTER_API_KEY",
            "OpenRouter (one key, many vendors' models)",
            "A key (sk-or-v1-...) from openrouter.ai/keys.")
        {
            Notes = new[] { "Any model id from openrouter.ai/models works here; add it to models and route to openrouter,<id>." },
        },
    };

    /// <inheritdoc/>
    public override ReasoningStyle Reasoning => ReasoningStyle.ReasoningMaxTokens;

    /// <inheritdoc/>
    public override bool SupportsTopK => true;

    /// <inheritdoc/>
    public override bool SupportsDocuments => true;

    /// <summary>OpenRouter attributes traffic by these; harmless elsewhere but only sent here.</summary>
    public override IReadOnlyDictionary<string, string> DefaultHeaders { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["HTTP-Referer"] = "https://github.com/ccr-pwsh/ccr",
        ["X-Title"] = "Ccr",
    };
}
