using System.Net.Http.Headers;
using Ccr.Core.Config;

namespace Ccr.Core.Providers;

/// <summary>How the API key is presented upstream.</summary>
internal enum AuthStyle
{
    /// <summary><c>Authorization: Bearer key</c> (OpenAI-compatible).</summary>
    Bearer,

    /// <summary><c>x-api-key: key</c> (api.anthropic.com).</summary>
    XApiKey,

    /// <summary>Both headers: Anthropic-compatible endpoints of other vendors document either one.</summary>
    BearerAndXApiKey,
}
