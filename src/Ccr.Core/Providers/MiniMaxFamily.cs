using System.Globalization;
using System.Text.Json;

namespace Ccr.Core.Providers;

/// <summary>
/// MiniMax: reasoning apart from the answer (<c>reasoning_split</c>), temperature in (0, 1], and errors in a
/// <c>base_resp</c> object that may come inside a 200 answer.
/// </summary>
internal sealed class MiniMaxFamily : ProviderFamily
{
    private static readonly string[] s_domains = { "minimax.io", "minimaxi.com", "minimax.chat" };
    private static readonly string[] s_transformerNames = { "minimax" };
    private static readonly string[] s_errorMembers = { "base_resp" };
    private static readonly string[] s_authCodes = { "1004", "2049" };
    private static readonly string[] s_quotaCodes = { "1008" };
    private static readonly string[] s_rateLimitCodes = { "1002" };

    /// <inheritdoc/>
    public override string Name => "minimax";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Domains => s_domains;

    /// <inheritdoc/>
    public override IReadOnlyList<string> TransformerNames => s_transformerNames;

    /// <inheritdoc/>
    public override IReadOnlyList<string> ErrorMemberNames => s_errorMembers;

    /// <inheritdoc/>
    public override string ExampleBaseUrl => "https://api.minimax.io/v1";

    /// <summary>MiniMax's international API.</summary>
    public override IReadOnlyList<ProviderTemplate> Templates { get; } = new[]
    {
        new ProviderTemplate(
            "MiniMax",
            "minimax",
            "https://api.minimax.io/v1",
            new[] { "MiniMax-M2.5" },
            "ccr-minimax",
            "MINIMAX_API_KEY",
            "MiniMax API",
            "An API key from platform.minimax.io (API Keys)."),
    };

    /// <inheritdoc/>
    public override ReasoningStyle Reasoning => ReasoningStyle.ReasoningSplit;

    /// <inheritdoc/>
    public override bool ClampTemperatureToUnit => true;

    /// <summary>Reads <c>base_resp {status_code, status_msg}</c> with a status other than 0.</summary>
    public override ProviderErrorFields? ReadError(JsonElement root)
    {
        if (root.TryGetProperty("base_resp", out JsonElement baseResp) && baseResp.ValueKind == JsonValueKind.Object &&
            baseResp.TryGetProperty("status_code", out JsonElement statusCode) && statusCode.ValueKind == JsonValueKind.Number &&
            statusCode.TryGetInt32(out int statusValue) && statusValue != 0)
        {
            return new ProviderErrorFields(statusValue.ToString(CultureInfo.InvariantCulture), null, TextOf(baseResp, "status_msg"));
        }

        return null;
    }

    /// <inheritdoc/>
    public override bool IsAuthFailure(in UpstreamErrorText error) => base.IsAuthFailure(error) || error.CodeIs(s_authCodes);

    /// <summary>1008 is an insufficient balance; 1002 a rate limit.</summary>
    public override UpstreamLimit ReadLimitMessage(in UpstreamErrorText error)
    {
        UpstreamLimit own =
            error.CodeIs(s_quotaCodes) ? UpstreamLimit.Quota :
            error.CodeIs(s_rateLimitCodes) ? UpstreamLimit.RateLimited :
            UpstreamLimit.None;
        return Stronger(base.ReadLimitMessage(error), own);
    }
}
