using System.Net.Http.Headers;
using Ccr.Core.Config;

namespace Ccr.Core.Providers;

/// <summary>A provider's quirks, worked out once per provider per config load from its transformer names and host.</summary>
internal sealed class ProviderProfile
{
    /// <summary>The default max_tokens cap for DashScope hosts: it rejects larger values, and Claude Code sends 32000+.</summary>
    public const int DashScopeDefaultMaxTokensCap = 65536;

    /// <summary>Anthropic-protocol upstreams require max_tokens; used when neither the body nor a preset gives one.</summary>
    public const int AnthropicDefaultMaxTokens = 8192;

    private static readonly HashSet<string> s_knownNoOps = new(StringComparer.OrdinalIgnoreCase)
    {
        "anthropic", "openai", "gemini", "vertex-gemini", "vertex-claude", "groq", "tooluse", "enhancetool", "reasoning",
        "sampling", "customparams", "streamoptions", "maxtoken", "cleancache", "dashscope", "qwen", "deepseek", "zai", "glm",
        "bigmodel", "minimax", "openrouter", "maxcompletiontokens",
    };

    private ProviderProfile()
    {
    }

    /// <summary>A short name of the profile (dashscope, deepseek, zai, minimax, openrouter, anthropic, openai).</summary>
    public string Name { get; private init; } = "openai";

    /// <summary>The largest max_tokens sent upstream, or null for no cap.</summary>
    public int? MaxTokensCap { get; private init; }

    /// <summary>Whether <c>top_k</c> is forwarded.</summary>
    public bool SupportsTopK { get; private init; }

    /// <summary>How thinking is requested.</summary>
    public ReasoningStyle Reasoning { get; private init; }

    /// <summary>Whether consecutive messages of the same role are merged (DeepSeek rejects successive user or assistant turns).</summary>
    public bool MergeConsecutiveRoles { get; private init; }

    /// <summary>Whether tools must carry <c>"type":"function"</c> (GLM rejects them otherwise; always written anyway).</summary>
    public bool ToolTypeRequired { get; private init; }

    /// <summary>Whether assistant thinking goes back as <c>reasoning_content</c> (DeepSeek: "Missing reasoning_content" otherwise).</summary>
    public bool SendReasoningContentBack { get; private init; }

    /// <summary>Whether <c>cache_control</c> is removed from Anthropic-protocol request bodies (<c>cleancache</c>).</summary>
    public bool StripCacheControl { get; private init; }

    /// <summary>Whether PDF documents can be sent as OpenAI <c>file</c> parts (OpenRouter); otherwise a text placeholder is sent.</summary>
    public bool SupportsDocuments { get; private init; }

    /// <summary>Whether temperature must be kept in (0, 1] (MiniMax).</summary>
    public bool ClampTemperatureToUnit { get; private init; }

    /// <summary>How the key is sent.</summary>
    public AuthStyle Auth { get; private init; }

    /// <summary>The protocol the upstream speaks.</summary>
    public WireProtocol Protocol { get; private init; }

    /// <summary>Headers sent with every request: the profile's own, overlaid by the provider's <c>headers</c>.</summary>
    public IReadOnlyDictionary<string, string> ExtraHeaders { get; private init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Transformer names this build does not know; reported, then ignored.</summary>
    public IReadOnlyList<string> UnknownTransformers { get; private init; } = Array.Empty<string>();

    /// <summary>True when the host is a DashScope endpoint (for error hints about Coding Plan keys).</summary>
    public bool IsDashScopeHost { get; private init; }

    /// <summary>Builds the profile for <paramref name="provider"/> from its <c>transformer.use</c> names and its host.</summary>
    public static ProviderProfile For(ProviderConfig provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        string host = provider.Endpoint.Host.ToLowerInvariant();
        var names = new HashSet<string>(provider.Transformers, StringComparer.OrdinalIgnoreCase);
        var unknown = new List<string>();
        foreach (string name in provider.Transformers)
        {
            if (!s_knownNoOps.Contains(name))
            {
                unknown.Add(name);
            }
        }

        bool dashScopeHost = host.Contains("dashscope", StringComparison.Ordinal) || host.EndsWith("aliyuncs.com", StringComparison.Ordinal);
        string kind =
            dashScopeHost || names.Contains("dashscope") || names.Contains("qwen") ? "dashscope" :
            host.Contains("deepseek", StringComparison.Ordinal) || names.Contains("deepseek") ? "deepseek" :
            host.EndsWith("z.ai", StringComparison.Ordinal) || host.Contains("bigmodel", StringComparison.Ordinal) || names.Contains("zai") || names.Contains("glm") || names.Contains("bigmodel") ? "zai" :
            host.Contains("minimax", StringComparison.Ordinal) || names.Contains("minimax") ? "minimax" :
            host.Contains("openrouter", StringComparison.Ordinal) || names.Contains("openrouter") ? "openrouter" :
            "openai";

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (kind == "openrouter")
        {
            // OpenRouter attributes traffic by these; harmless elsewhere but only sent here.
            headers["HTTP-Referer"] = "https://github.com/ccr-pwsh/ccr";
            headers["X-Title"] = "Ccr";
        }

        foreach (KeyValuePair<string, string> header in provider.Headers)
        {
            headers[header.Key] = header.Value;
        }

        bool anthropic = provider.Protocol == WireProtocol.Anthropic;
        int? cap = provider.MaxTokensCap ?? (kind == "dashscope" ? DashScopeDefaultMaxTokensCap : null);
        return new ProviderProfile
        {
            Name = anthropic ? "anthropic" : kind,
            Protocol = provider.Protocol,
            MaxTokensCap = cap,
            SupportsTopK = kind is "dashscope" or "openrouter" or "zai",
            Reasoning = anthropic ? ReasoningStyle.None : kind switch
            {
                "dashscope" => ReasoningStyle.DashScope,
                "deepseek" => ReasoningStyle.DeepSeek,
                "openrouter" => ReasoningStyle.OpenRouter,
                "zai" => ReasoningStyle.Zai,
                "minimax" => ReasoningStyle.MiniMax,
                _ => ReasoningStyle.ReasoningEffort,
            },
            MergeConsecutiveRoles = kind == "deepseek",
            ToolTypeRequired = kind == "zai",
            SendReasoningContentBack = kind == "deepseek",
            StripCacheControl = names.Contains("cleancache"),
            SupportsDocuments = kind == "openrouter",
            ClampTemperatureToUnit = kind == "minimax",
            Auth = !anthropic ? AuthStyle.Bearer : host == "api.anthropic.com" ? AuthStyle.XApiKey : AuthStyle.BearerAndXApiKey,
            ExtraHeaders = headers,
            UnknownTransformers = unknown,
            IsDashScopeHost = dashScopeHost,
        };
    }

    /// <summary>The max_tokens cap for <paramref name="model"/>: deepseek-chat stops at 8192 whatever the provider cap says.</summary>
    public int? MaxTokensCapFor(string model)
    {
        if (Name == "deepseek" && model.Equals("deepseek-chat", StringComparison.OrdinalIgnoreCase))
        {
            return MaxTokensCap is int c ? Math.Min(c, 8192) : 8192;
        }

        return MaxTokensCap;
    }

    /// <summary>Adds the key (Bearer, x-api-key or both) and, for Anthropic upstreams, <c>anthropic-version</c> when absent.</summary>
    public void ApplyAuth(HttpRequestMessage request, string? apiKey)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!string.IsNullOrEmpty(apiKey))
        {
            if (Auth is AuthStyle.Bearer or AuthStyle.BearerAndXApiKey)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            }

            if (Auth is AuthStyle.XApiKey or AuthStyle.BearerAndXApiKey)
            {
                request.Headers.Remove("x-api-key");
                request.Headers.TryAddWithoutValidation("x-api-key", apiKey);
            }
        }

        if (Protocol == WireProtocol.Anthropic && !request.Headers.Contains("anthropic-version"))
        {
            request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        }
    }

    /// <summary>Adds <see cref="ExtraHeaders"/> (replacing any value already set).</summary>
    public void ApplyExtraHeaders(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (KeyValuePair<string, string> header in ExtraHeaders)
        {
            request.Headers.Remove(header.Key);
            if (!request.Headers.TryAddWithoutValidation(header.Key, header.Value) && request.Content is not null)
            {
                request.Content.Headers.Remove(header.Key);
                request.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
    }
}
