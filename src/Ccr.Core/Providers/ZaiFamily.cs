namespace Ccr.Core.Providers;

/// <summary>
/// Z.ai and BigModel (GLM): thinking as <c>thinking {type}</c>, tools must be typed, rate-limit headers that are
/// informational, and numeric error codes (often inside a 200 answer) for auth, quota and rate limits.
/// </summary>
internal sealed class ZaiFamily : ProviderFamily
{
    private static readonly string[] s_domains = { "z.ai", "bigmodel.cn" };
    private static readonly string[] s_transformerNames = { "zai", "glm", "bigmodel" };
    private static readonly string[] s_authCodes = { "1000", "1001", "1002", "1004" };
    private static readonly string[] s_quotaCodes = { "1113", "1304", "1308", "1310" };
    private static readonly string[] s_quotaPhrases = { "余额", "额度" };
    private static readonly string[] s_rateLimitCodes = { "1302", "1303", "1305" };
    private static readonly string[] s_contextCodes = { "1261" };

    /// <inheritdoc/>
    public override string Name => "zai";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Domains => s_domains;

    /// <inheritdoc/>
    public override IReadOnlyList<string> TransformerNames => s_transformerNames;

    /// <inheritdoc/>
    public override string ExampleBaseUrl => "https://api.z.ai/api/paas/v4";

    /// <inheritdoc/>
    public override ReasoningStyle Reasoning => ReasoningStyle.ThinkingType;

    /// <inheritdoc/>
    public override bool SupportsTopK => true;

    /// <inheritdoc/>
    public override bool ToolTypeRequired => true;

    /// <inheritdoc/>
    public override bool HasInformationalRateLimitHeaders => true;

    /// <summary>The GLM Coding Plan is served under <c>/api/coding/</c>; it is billed by prompts, not tokens.</summary>
    public override bool IsSubscription(Uri url) =>
        base.IsSubscription(url) || url.AbsolutePath.Contains("/coding/", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override bool IsAuthFailure(in UpstreamErrorText error) => base.IsAuthFailure(error) || error.CodeIs(s_authCodes);

    /// <summary>Codes 1113 (balance), 1304 (daily), 1308 (usage window), 1310 (weekly/monthly) and the Chinese balance wording are quota; 1302/1303/1305 are rate limits.</summary>
    public override UpstreamLimitKind ReadLimitMessage(in UpstreamErrorText error)
    {
        UpstreamLimitKind own =
            error.CodeIs(s_quotaCodes) || error.Mentions(s_quotaPhrases) ? UpstreamLimitKind.QuotaExceeded :
            error.CodeIs(s_rateLimitCodes) ? UpstreamLimitKind.RateLimited :
            UpstreamLimitKind.None;
        return Stronger(base.ReadLimitMessage(error), own);
    }

    /// <inheritdoc/>
    public override bool IsContextTooLong(in UpstreamErrorText error) => base.IsContextTooLong(error) || error.CodeIs(s_contextCodes);
}
