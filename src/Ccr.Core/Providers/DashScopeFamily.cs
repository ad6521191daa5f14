using System.Text.Json;
using Ccr.Core.Quota;

namespace Ccr.Core.Providers;

/// <summary>
/// Alibaba Cloud Model Studio (DashScope) and its Qwen Coding Plan. The plan has hosts of its own that take
/// only the plan key (<c>sk-sp-</c>) and only interactive tools; the standard hosts refuse that key.
/// </summary>
internal sealed class DashScopeFamily : ProviderFamily
{
    /// <summary>The default max_tokens cap: DashScope rejects larger values, and Claude Code sends 32000+.</summary>
    public const int DefaultCap = 65536;

    private const string PlanKeyPrefix = "sk-sp-";
    private const string PlanHost = "coding-intl.dashscope.aliyuncs.com";

    private static readonly string[] s_codingPlanHosts = { PlanHost, "coding.dashscope.aliyuncs.com" };
    private static readonly string[] s_standardHosts = { "dashscope.aliyuncs.com", "dashscope-intl.aliyuncs.com" };
    private static readonly string[] s_transformerNames = { "dashscope", "qwen" };
    private static readonly string[] s_keyPrefixes = { PlanKeyPrefix };
    private static readonly string[] s_errorMembers = { "code" };
    private static readonly string[] s_quotaPhrases = { "arrearage" };

    // Short-term rate limits. "Throttling.RateQuota" carries the word "quota", which the generic wording reads as a
    // used-up quota; read as that, a per-second limit would take the provider out for minutes.
    private static readonly string[] s_rateLimitCodes = { "Throttling", "Throttling.RateQuota", "Throttling.BurstRate" };

    // The Coding Plan's 429 messages name the window that ran out (code Throttling.AllocationQuota on the OpenAI
    // endpoint, type rate_limit_error on the Anthropic one; the words are the same on both).
    private static readonly string[] s_fiveHourPhrases = { "hour allocated quota exceeded" };
    private static readonly string[] s_weekPhrases = { "week allocated quota exceeded" };
    private static readonly string[] s_monthPhrases = { "month allocated quota exceeded" };

    /// <inheritdoc/>
    public override string Name => "dashscope";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Domains => s_standardHosts;

    /// <inheritdoc/>
    public override IReadOnlyList<string> TransformerNames => s_transformerNames;

    /// <inheritdoc/>
    public override IReadOnlyList<string> KeyPrefixes => s_keyPrefixes;

    /// <inheritdoc/>
    public override IReadOnlyList<string> ErrorMemberNames => s_errorMembers;

    /// <inheritdoc/>
    public override string ExampleBaseUrl => "https://" + PlanHost + "/v1";

    /// <summary>The Qwen Coding Plan on its international host, as the Coding Plan document configures it.</summary>
    public override IReadOnlyList<ProviderTemplate> Templates { get; } = new[]
    {
        new ProviderTemplate(
            "CodingPlan",
            "qwen",
            "https://" + PlanHost + "/v1",
            new[] { "qwen3-coder-plus", "qwen3-max-2026-01-23" },
            "ccr-qwen",
            "QWEN_API_KEY",
            "Qwen Coding Plan (Alibaba Cloud Model Studio subscription, Lite or Pro)",
            "The plan key (" + PlanKeyPrefix + "...) from the Coding Plan console; a standard Model Studio key (sk-...) does not work on this host.")
        {
            Transformers = new[] { "anthropic" },
            HasPlanQuota = true,
            Notes = new[] { "For interactive coding tools only (Claude Code and the like); Ccr refuses scripted use unless forced." },
        },
    };

    /// <inheritdoc/>
    public override int? DefaultMaxTokensCap => DefaultCap;

    /// <inheritdoc/>
    public override ReasoningStyle Reasoning => ReasoningStyle.EnableThinkingFlag;

    /// <inheritdoc/>
    public override bool SupportsTopK => true;

    /// <inheritdoc/>
    public override string AuthHint =>
        " Coding Plan keys start with sk-sp- and work only on coding-intl.dashscope.aliyuncs.com; a standard sk- key belongs on dashscope-intl.aliyuncs.com.";

    /// <inheritdoc/>
    public override string KeyRefusedAdvice(Uri url) => IsCodingPlanHost(url)
        ? "Coding Plan endpoints need the plan key sk-sp-… from the Coding Plan console."
        : base.KeyRefusedAdvice(url);

    /// <summary>True for the Coding Plan hosts, whose subscription is for interactive coding tools only.</summary>
    public override bool IsInteractiveOnly(Uri url) => IsCodingPlanHost(url);

    /// <summary>True for the Coding Plan hosts: every request counts against the plan's five-hour, weekly and monthly windows.</summary>
    public override bool CountsPlanQuota(Uri url) => IsCodingPlanHost(url);

    /// <inheritdoc/>
    public override ProviderKeyCheck? CheckKey(string providerName, Uri url, string key, string keyHint)
    {
        bool planKey = key.StartsWith(PlanKeyPrefix, StringComparison.Ordinal);
        if (IsCodingPlanHost(url) && !planKey)
        {
            return new ProviderKeyCheck(ProviderKeyVerdict.Mismatch, "CodingPlanKeyMismatch",
                "Provider '" + providerName + "' points at " + url.Host + " with a key that does not start with sk-sp- (" + keyHint + "). Coding Plan endpoints need the plan key sk-sp-…; a standard Model Studio key belongs on dashscope-intl.aliyuncs.com.");
        }

        if (IsStandardHost(url) && planKey)
        {
            return new ProviderKeyCheck(ProviderKeyVerdict.Mismatch, "StandardKeyMismatch",
                "Provider '" + providerName + "' points at " + url.Host + " with a Coding Plan key (sk-sp-…). The plan key works only on " + PlanHost + "; change api_base_url to " + ExampleBaseUrl + " or use a standard Model Studio key.");
        }

        return null;
    }

    /// <inheritdoc/>
    public override ProviderKeyCheck? CheckForeignKey(Uri url, string key, string keyHint) =>
        key.StartsWith(PlanKeyPrefix, StringComparison.Ordinal)
            ? new ProviderKeyCheck(ProviderKeyVerdict.Warning, "ForeignKey",
                "The key " + keyHint + " is a Coding Plan key (sk-sp-…), which works only on " + PlanHost + ". Change api_base_url to " + ExampleBaseUrl + ", or use this provider's own key.")
            : null;

    /// <inheritdoc/>
    public override string KeyFitsMessage(Uri url, string keyHint) => IsCodingPlanHost(url)
        ? "Coding Plan key (" + keyHint + ") on the Coding Plan endpoint " + url.Host + "."
        : base.KeyFitsMessage(url, keyHint);

    /// <inheritdoc/>
    public override string? CheckEndpointPath(Uri endpoint) =>
        IsCodingPlanHost(endpoint)
        && !(endpoint.AbsolutePath.StartsWith("/v1/", StringComparison.Ordinal) || endpoint.AbsolutePath.StartsWith("/apps/anthropic/", StringComparison.Ordinal))
            ? endpoint + " is not a Coding Plan API path. Use " + ExampleBaseUrl + " (OpenAI) or https://" + PlanHost + "/apps/anthropic (Anthropic)."
            : null;

    /// <summary>Reads DashScope's native <c>{"code","message"}</c> body (no <c>choices</c>, a code other than 0 or 200).</summary>
    public override ProviderErrorFields? ReadError(JsonElement root)
    {
        bool hasChoices = root.TryGetProperty("choices", out JsonElement choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0;
        if (!hasChoices && TextOf(root, "code") is string code && code != "0" && code != "200" && TextOf(root, "message") is string message)
        {
            return new ProviderErrorFields(code, null, message);
        }

        return null;
    }

    /// <summary>
    /// Adds DashScope's "Arrearage" (account in arrears) to the generic quota wording, and reads which Coding Plan
    /// window the 429 names: "hour allocated quota exceeded" (the rolling five hours), "week allocated quota
    /// exceeded" (the week from Monday 00:00 UTC+8), "month allocated quota exceeded" (the period from the renewal day).
    /// The messages give no reset time; the quota tracker works it out from the window. The rate-limit codes
    /// (Throttling, Throttling.RateQuota, Throttling.BurstRate) are a short cooldown whatever their words say.
    /// </summary>
    public override UpstreamLimit ReadLimitMessage(in UpstreamErrorText error)
    {
        if (error.CodeIs(s_rateLimitCodes))
        {
            return UpstreamLimit.RateLimited with { ByCode = true };
        }

        UpstreamLimit own =
            error.Mentions(s_fiveHourPhrases) ? UpstreamLimit.QuotaOf(QuotaWindowKind.FiveHour) :
            error.Mentions(s_weekPhrases) ? UpstreamLimit.QuotaOf(QuotaWindowKind.Weekly) :
            error.Mentions(s_monthPhrases) ? UpstreamLimit.QuotaOf(QuotaWindowKind.Monthly) :
            error.Mentions(s_quotaPhrases) ? UpstreamLimit.Quota :
            UpstreamLimit.None;
        return Stronger(base.ReadLimitMessage(error), own);
    }

    private static bool IsCodingPlanHost(Uri url) => HostIn(url, s_codingPlanHosts);

    private static bool IsStandardHost(Uri url) => HostIn(url, s_standardHosts);

    private static bool HostIn(Uri url, string[] hosts)
    {
        foreach (string host in hosts)
        {
            if (string.Equals(url.Host, host, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
