using Ccr.Core.Providers;

namespace Ccr.Core.Config;

/// <summary>
/// The rules that turn what a provider entry says into how Ccr talks to it.
/// </summary>
/// <remarks>
/// <para><b>Protocol.</b> An explicit <c>protocol</c> (<c>openai</c> or <c>anthropic</c>) wins. Otherwise the
/// URL path decides: a path that ends in <c>/anthropic</c> or <c>/messages</c>, or contains
/// <c>/anthropic/</c>, is Anthropic Messages; anything else is OpenAI Chat Completions. The
/// <c>transformer.use</c> list does not choose the protocol, so the documented example's
/// <c>"transformer": {"use": ["anthropic"]}</c> on a <c>.../v1</c> URL stays OpenAI.</para>
/// <para><b>Endpoint.</b> OpenAI: the URL as written when it ends in <c>/chat/completions</c>, else the base
/// plus <c>/chat/completions</c>. Anthropic: the URL as written when it ends in <c>/messages</c>; else a base
/// ending in <c>/v1</c> plus <c>/messages</c>; else the base plus <c>/v1/messages</c>
/// (<c>.../apps/anthropic</c> becomes <c>.../apps/anthropic/v1/messages</c>).</para>
/// </remarks>
internal static class ProviderRules
{
    /// <summary>Transformer names Ccr knows (claude-code-router's and CCR-Rust's, and every provider family's); others get a warning.</summary>
    public static readonly HashSet<string> s_knownTransformers = ProviderFamilies.WithTransformerNames(new(StringComparer.OrdinalIgnoreCase)
    {
        "anthropic", "openai", "gemini", "vertex-gemini", "vertex-claude", "groq",
        "maxtoken", "maxcompletiontokens", "tooluse", "reasoning", "sampling", "enhancetool", "cleancache",
        "customparams", "streamoptions", "kimi", "moonshot", "cerebras", "forcereasoning", "extrathinktag",
    });

    public static (WireProtocol Protocol, string Reason) ChooseProtocol(string? explicitProtocol, Uri url)
    {
        if (explicitProtocol is not null)
        {
            WireProtocol chosen = string.Equals(explicitProtocol, "anthropic", StringComparison.OrdinalIgnoreCase)
                ? WireProtocol.Anthropic
                : WireProtocol.OpenAI;
            return (chosen, "protocol key");
        }

        string path = url.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/anthropic", StringComparison.OrdinalIgnoreCase))
        {
            return (WireProtocol.Anthropic, "inferred from URL path (ends in /anthropic)");
        }

        if (path.EndsWith("/messages", StringComparison.OrdinalIgnoreCase))
        {
            return (WireProtocol.Anthropic, "inferred from URL path (ends in /messages)");
        }

        if (path.Contains("/anthropic/", StringComparison.OrdinalIgnoreCase))
        {
            return (WireProtocol.Anthropic, "inferred from URL path (contains /anthropic/)");
        }

        return (WireProtocol.OpenAI, "default (URL path does not name Anthropic)");
    }

    public static Uri BuildEndpoint(Uri url, WireProtocol protocol)
    {
        string text = url.GetLeftPart(UriPartial.Path).TrimEnd('/');
        string query = url.Query;
        string path = url.AbsolutePath.TrimEnd('/');
        string endpoint;
        if (protocol == WireProtocol.OpenAI)
        {
            endpoint = path.EndsWith("/chat/completions", StringComparison.OrdinalIgnoreCase) ? text : text + "/chat/completions";
        }
        else if (path.EndsWith("/messages", StringComparison.OrdinalIgnoreCase))
        {
            endpoint = text;
        }
        else if (path.EndsWith("/v1", StringComparison.OrdinalIgnoreCase))
        {
            endpoint = text + "/messages";
        }
        else
        {
            endpoint = text + "/v1/messages";
        }

        return new Uri(endpoint + query, UriKind.Absolute);
    }

    /// <summary>
    /// A form of the key safe to show: the prefix up to the last '-' within the first six characters,
    /// an ellipsis and the last four (<c>sk-sp-…abcd</c>); keys too short to hide anything show only <c>…</c>.
    /// </summary>
    public static string KeyHint(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "";
        }

        if (key.Length < 12)
        {
            return "…";
        }

        int dash = key.AsSpan(0, 6).LastIndexOf('-');
        string prefix = dash >= 0 ? key[..(dash + 1)] : "";
        return prefix + "…" + key[^4..];
    }
}
