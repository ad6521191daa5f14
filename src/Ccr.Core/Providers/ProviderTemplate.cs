namespace Ccr.Core.Providers;

/// <summary>
/// A ready-made provider entry that <c>New-CcrConfig -Template</c> writes: the vendor's endpoint, its models,
/// the tier name its log lines carry and the variable that holds its key. Each family owns its templates
/// (<see cref="ProviderFamily.Templates"/>), so a new vendor brings its template along.
/// </summary>
/// <param name="Name">The template's name as the user types it (<c>CodingPlan</c>, <c>DeepSeek</c>...).</param>
/// <param name="ProviderName">The provider's <c>name</c> in the config, used in routes (<c>qwen</c>).</param>
/// <param name="BaseUrl">The <c>api_base_url</c>.</param>
/// <param name="Models">The models to list; the first is the one the template's tier routes to.</param>
/// <param name="TierName">The <c>tier_name</c> (what <c>grep</c> finds in the decision log).</param>
/// <param name="KeyVariable">The environment variable holding the key (<c>QWEN_API_KEY</c>), or null when the server takes none.</param>
/// <param name="Description">One line for the config's comment and the template list: what this is.</param>
/// <param name="KeyAdvice">Where the key comes from (written as a comment), or null when there is no key.</param>
public sealed record ProviderTemplate(
    string Name,
    string ProviderName,
    string BaseUrl,
    IReadOnlyList<string> Models,
    string TierName,
    string? KeyVariable,
    string Description,
    string? KeyAdvice)
{
    /// <summary><c>transformer.use</c> names to write, or empty for none.</summary>
    public IReadOnlyList<string> Transformers { get; init; } = Array.Empty<string>();

    /// <summary>Whether the provider's requests count against a subscription plan (Lite or Pro) whose limits <c>quota.plan</c> sets.</summary>
    public bool HasPlanQuota { get; init; }

    /// <summary>Extra comment lines written above the provider (models to try, caveats).</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

    /// <summary>The route of this template's tier: <c>provider,first model</c>.</summary>
    public string Route => ProviderName + "," + Models[0];

    /// <summary>Whether writing this template asks for a key.</summary>
    public bool NeedsKey => KeyVariable is not null;
}
