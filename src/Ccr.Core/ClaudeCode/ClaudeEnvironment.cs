namespace Ccr.Core.ClaudeCode;

/// <summary>The router's variables for one Claude Code child process.</summary>
/// <param name="BaseUrl">ANTHROPIC_BASE_URL: the proxy, plus <c>/preset/&lt;name&gt;</c> for a preset.</param>
/// <param name="AuthToken">ANTHROPIC_AUTH_TOKEN: the proxy's APIKEY, or a placeholder when it has none.</param>
/// <param name="Model">ANTHROPIC_MODEL (<c>provider,model</c>), or null to leave Claude Code's choice to the router.</param>
public sealed record ClaudeEnvironment(string BaseUrl, string AuthToken, string? Model);
