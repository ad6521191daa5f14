using System.Text.Json;

namespace Ccr.Core.Providers;

/// <summary>
/// Everything Ccr knows about one family of upstreams (a vendor and its endpoints): which hosts are its own,
/// which keys fit them, how its requests differ from plain OpenAI, how its errors read and what to tell a user
/// whose key it refuses. The rest of Ccr asks a family through <see cref="ProviderFamilies"/> and never names a
/// vendor itself, so adding a vendor is adding one subclass and one line in the registry.
/// </summary>
internal abstract class ProviderFamily
{
    private static readonly string[] s_authPhrases = { "invalid_api_key", "invalidapikey", "authentication", "unauthorized", "invalid api key", "incorrect api key" };
    private static readonly string[] s_quotaPhrases = { "quota", "insufficient_quota", "insufficient balance", "insufficient_balance", "exceeded your current", "billing" };
    private static readonly string[] s_rateLimitPhrases = { "rate limit", "rate_limit", "ratelimit", "too many requests", "throttl" };
    private static readonly string[] s_contextPhrases = { "context length", "context_length", "maximum context", "too long", "context window", "prompt is too long", "exceeds the model" };

    /// <summary>The profile name shown in messages and logs (dashscope, deepseek, zai, minimax, openrouter, openai).</summary>
    public abstract string Name { get; }

    /// <summary>The family's own domains; a host matches when it is one of them or a subdomain of one.</summary>
    public abstract IReadOnlyList<string> Domains { get; }

    /// <summary><c>transformer.use</c> names that choose this family's request quirks on any host (a gateway in front of the vendor).</summary>
    public virtual IReadOnlyList<string> TransformerNames => Array.Empty<string>();

    /// <summary>Key prefixes this family issues, kept in front of the ellipsis when a key is hinted (<c>sk-sp-…abcd</c>).</summary>
    public virtual IReadOnlyList<string> KeyPrefixes => Array.Empty<string>();

    /// <summary>Top-level JSON member names that mark this family's error bodies (scanned on every answer, so keep it short).</summary>
    public virtual IReadOnlyList<string> ErrorMemberNames => Array.Empty<string>();

    /// <summary>A base URL to show in examples.</summary>
    public virtual string ExampleBaseUrl => "https://api.example.com/v1";

    /// <summary>The ready-made provider entries <c>New-CcrConfig -Template</c> offers for this family.</summary>
    public virtual IReadOnlyList<ProviderTemplate> Templates => Array.Empty<ProviderTemplate>();

    #region Request quirks

    /// <summary>The max_tokens cap when the provider sets none, or null for no cap.</summary>
    public virtual int? DefaultMaxTokensCap => null;

    /// <summary>How thinking is asked for on the OpenAI protocol.</summary>
    public virtual ReasoningStyle Reasoning => ReasoningStyle.ReasoningEffort;

    /// <summary>Whether <c>top_k</c> is forwarded.</summary>
    public virtual bool SupportsTopK => false;

    /// <summary>Whether consecutive messages of the same role are merged.</summary>
    public virtual bool MergeConsecutiveRoles => false;

    /// <summary>Whether tools must carry <c>"type":"function"</c> (always written anyway).</summary>
    public virtual bool ToolTypeRequired => false;

    /// <summary>Whether assistant thinking goes back as <c>reasoning_content</c>.</summary>
    public virtual bool SendReasoningContentBack => false;

    /// <summary>Whether PDF documents can be sent as OpenAI <c>file</c> parts.</summary>
    public virtual bool SupportsDocuments => false;

    /// <summary>Whether temperature must be kept in (0, 1].</summary>
    public virtual bool ClampTemperatureToUnit => false;

    /// <summary>Headers the family wants on every request; the provider's own <c>headers</c> override them.</summary>
    public virtual IReadOnlyDictionary<string, string> DefaultHeaders { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The max_tokens cap for <paramref name="model"/> given the provider's cap.</summary>
    public virtual int? MaxTokensCapFor(string model, int? providerCap) => providerCap;

    /// <summary>Whether <c>temperature</c> and <c>top_p</c> are left out for <paramref name="model"/>.</summary>
    public virtual bool DropsSamplingParameters(string model) => false;

    #endregion

    #region Hosts and keys

    /// <summary>True when <paramref name="url"/>'s host is one of <see cref="Domains"/> or a subdomain of one: the one host rule every caller uses.</summary>
    public bool Matches(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        string host = url.Host;
        foreach (string domain in Domains)
        {
            if (host.Equals(domain, StringComparison.OrdinalIgnoreCase)
                || (host.Length > domain.Length + 1
                    && host.EndsWith(domain, StringComparison.OrdinalIgnoreCase)
                    && host[host.Length - domain.Length - 1] == '.'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether providers on <paramref name="url"/> default to <c>interactive_only</c> (subscription plans for interactive tools).</summary>
    public virtual bool IsInteractiveOnly(Uri url) => false;

    /// <summary>
    /// Whether a provider on <paramref name="url"/> with no <c>quota</c> block counts its requests against a
    /// subscription plan's windows (five hours, week, month) whose limits are unknown until <c>quota.plan</c> or
    /// explicit limits are given: shown as used/?, never enforced. A subscription whose plan is not metered in
    /// requests over those windows (see <see cref="IsSubscription"/>) answers false.
    /// </summary>
    public virtual bool CountsPlanQuota(Uri url) => false;

    /// <summary>
    /// Whether providers on <paramref name="url"/> are a subscription plan billed by requests rather than tokens: usage
    /// then shows requests against the plan instead of a cost. The interactive-only plan hosts are exactly these by default.
    /// </summary>
    public virtual bool IsSubscription(Uri url) => IsInteractiveOnly(url);

    /// <summary>Whether the family's <c>x-ratelimit-*</c> headers are informational rather than binding.</summary>
    public virtual bool HasInformationalRateLimitHeaders => false;

    /// <summary>A key problem on one of this family's own hosts, or null when the key fits.</summary>
    public virtual ProviderKeyCheck? CheckKey(string providerName, Uri url, string key, string keyHint) => null;

    /// <summary>A warning when <paramref name="key"/> is one that works only on this family's hosts but <paramref name="url"/> is another family's, else null.</summary>
    public virtual ProviderKeyCheck? CheckForeignKey(Uri url, string key, string keyHint) => null;

    /// <summary>What Test-CcrProvider says when the key fits <paramref name="url"/>.</summary>
    public virtual string KeyFitsMessage(Uri url, string keyHint) => "Key " + keyHint + " fits " + url.Host + ".";

    /// <summary>Why <paramref name="endpoint"/> is not one of this family's API paths, or null when it is (or the family does not say).</summary>
    public virtual string? CheckEndpointPath(Uri endpoint) => null;

    #endregion

    #region Errors

    /// <summary>Appended to an authentication error from this family's hosts: what to check.</summary>
    public virtual string AuthHint => " Check the provider's api_key (and that it belongs to this api_base_url).";

    /// <summary>What to do when a ping's key is refused (after the upstream's own words).</summary>
    public virtual string KeyRefusedAdvice(Uri url) => "Check that the key belongs to this provider and has not been revoked.";

    /// <summary>Reads an error written in this family's own body shape, or null when <paramref name="root"/> is not one.</summary>
    public virtual ProviderErrorFields? ReadError(JsonElement root) => null;

    /// <summary>Whether the error says the key was refused.</summary>
    public virtual bool IsAuthFailure(in UpstreamErrorText error) => error.Mentions(s_authPhrases);

    /// <summary>
    /// Reads a quota or rate-limit message: whether the error means the plan's quota is used up, a short-term
    /// rate limit, or neither, and for a used-up quota which window ran out and the reset time the message gives.
    /// The one place where a family's quota wording is read; when the window resets is the quota tracker's to work
    /// out from the window (and the local counts) unless the message says.
    /// </summary>
    public virtual UpstreamLimit ReadLimitMessage(in UpstreamErrorText error) =>
        error.Mentions(s_quotaPhrases) ? UpstreamLimit.Quota :
        error.Mentions(s_rateLimitPhrases) ? UpstreamLimit.RateLimited :
        UpstreamLimit.None;

    /// <summary>Whether the error says the prompt is longer than the model's context.</summary>
    public virtual bool IsContextTooLong(in UpstreamErrorText error) => error.Mentions(s_contextPhrases);

    /// <summary>A member of <paramref name="element"/> as text: strings as they are, numbers as written.</summary>
    protected static string? TextOf(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    /// <summary>The stronger of two readings (<see cref="UpstreamLimit.Stronger"/>).</summary>
    protected static UpstreamLimit Stronger(UpstreamLimit a, UpstreamLimit b) => UpstreamLimit.Stronger(a, b);

    #endregion
}
