using System.Globalization;
using System.Text.RegularExpressions;
using Ccr.Core.Quota;

namespace Ccr.Core.Providers;

/// <summary>
/// Z.ai and BigModel (GLM): thinking as <c>thinking {type}</c>, tools must be typed, rate-limit headers that are
/// informational, and numeric error codes (often inside a 200 answer) for auth, quota and rate limits.
/// </summary>
/// <remarks>
/// The GLM Coding Plan (<c>/api/coding/paas/v4</c>) does not count by default (<see cref="ProviderFamily.CountsPlanQuota"/>):
/// it meters token-weighted credits, not requests, and its week runs from the subscription time rather than
/// Monday 00:00 UTC+8, so request counts against Ccr's windows would mislead. Its quota errors still take the
/// provider out until the reset time they state.
/// </remarks>
internal sealed partial class ZaiFamily : ProviderFamily
{
    /// <summary>The offset of the wall-clock reset times in Z.ai's messages (China Standard Time).</summary>
    private static readonly TimeSpan s_messageOffset = TimeSpan.FromHours(8);

    private static readonly string[] s_domains = { "z.ai", "bigmodel.cn" };
    private static readonly string[] s_transformerNames = { "zai", "glm", "bigmodel" };
    private static readonly string[] s_authCodes = { "1000", "1001", "1002", "1004" };
    private static readonly string[] s_quotaCodes = { "1113", "1304", "1308", "1310" };
    private static readonly string[] s_fiveHourCodes = { "1308" };
    private static readonly string[] s_weekCodes = { "1310" };
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

    /// <summary>The GLM Coding Plan's own endpoint (the standard <c>/api/paas/v4</c> one bills the pay-as-you-go balance instead).</summary>
    public override IReadOnlyList<ProviderTemplate> Templates { get; } = new[]
    {
        new ProviderTemplate(
            "Zai",
            "zai",
            "https://api.z.ai/api/coding/paas/v4",
            new[] { "glm-5", "glm-4.7" },
            "ccr-zai",
            "ZAI_API_KEY",
            "Z.ai GLM Coding Plan",
            "An API key from z.ai (API Keys) on an account with the GLM Coding Plan.")
        {
            Notes = new[] { "Pay-as-you-go accounts use https://api.z.ai/api/paas/v4 instead." },
        },
    };

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

    /// <summary>
    /// Codes 1113 (balance), 1304 (daily), 1308 (the five-hour window), 1310 (weekly/monthly) and the Chinese balance
    /// wording are quota; 1302 (concurrency), 1303 (frequency) and 1305 are rate limits. 1308 and 1310 state when the
    /// limit resets ("Your limit will reset at 2026-12-06 18:00:00", or "您的限额将在 … 重置"), in UTC+8 wall time.
    /// 1310 is read as the weekly window: current plans meter five hours and a week (the monthly meter is for MCP tools).
    /// </summary>
    public override UpstreamLimit ReadLimitMessage(in UpstreamErrorText error)
    {
        UpstreamLimit own =
            error.CodeIs(s_fiveHourCodes) ? UpstreamLimit.QuotaOf(QuotaWindowKind.FiveHour, StatedReset(error.Text)) :
            error.CodeIs(s_weekCodes) ? UpstreamLimit.QuotaOf(QuotaWindowKind.Weekly, StatedReset(error.Text)) :
            error.CodeIs(s_quotaCodes) || error.Mentions(s_quotaPhrases) ? UpstreamLimit.Quota :
            error.CodeIs(s_rateLimitCodes) ? UpstreamLimit.RateLimited :
            UpstreamLimit.None;
        return Stronger(base.ReadLimitMessage(error), own);
    }

    /// <inheritdoc/>
    public override bool IsContextTooLong(in UpstreamErrorText error) => base.IsContextTooLong(error) || error.CodeIs(s_contextCodes);

    /// <summary>The first <c>yyyy-MM-dd HH:mm:ss</c> in <paramref name="text"/> as a UTC+8 wall time, or null.</summary>
    internal static DateTimeOffset? StatedReset(string text)
    {
        Match match = ResetTime().Match(text);
        if (!match.Success
            || !DateTime.TryParseExact(match.Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime wall))
        {
            return null;
        }

        return new DateTimeOffset(wall, s_messageOffset);
    }

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", RegexOptions.CultureInvariant)]
    private static partial Regex ResetTime();
}
