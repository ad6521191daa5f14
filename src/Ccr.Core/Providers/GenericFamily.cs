using System.Text.Json;

namespace Ccr.Core.Providers;

/// <summary>
/// Any other OpenAI- or Anthropic-compatible endpoint: no hosts of its own, OpenAI's <c>reasoning_effort</c>,
/// and the <c>{"error": ...}</c> body that OpenAI, Anthropic and most vendors write.
/// </summary>
internal sealed class GenericFamily : ProviderFamily
{
    // Longest first where one contains another does not matter here: the registry sorts all families' prefixes.
    private static readonly string[] s_keyPrefixes = { "sk-ant-api03-", "sk-proj-", "sk-ant-", "sk-" };
    private static readonly string[] s_errorMembers = { "error" };

    /// <inheritdoc/>
    public override string Name => "openai";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Domains => Array.Empty<string>();

    /// <inheritdoc/>
    public override IReadOnlyList<string> KeyPrefixes => s_keyPrefixes;

    /// <inheritdoc/>
    public override IReadOnlyList<string> ErrorMemberNames => s_errorMembers;

    /// <summary>Local OpenAI-compatible servers on their default ports: no key, nothing leaves the machine.</summary>
    public override IReadOnlyList<ProviderTemplate> Templates { get; } = new[]
    {
        new ProviderTemplate(
            "Ollama",
            "ollama",
            "http://127.0.0.1:11434/v1",
            new[] { "qwen3-coder:30b" },
            "ccr-ollama",
            null,
            "Ollama on this machine (OpenAI-compatible, no key)",
            null)
        {
            Notes = new[] { "Pull the model first (ollama pull qwen3-coder:30b), or list one that `ollama list` shows." },
        },
        new ProviderTemplate(
            "LMStudio",
            "lmstudio",
            "http://127.0.0.1:1234/v1",
            new[] { "qwen/qwen3-coder-30b" },
            "ccr-lmstudio",
            null,
            "LM Studio's local server on this machine (OpenAI-compatible, no key)",
            null)
        {
            Notes = new[] { "Start the server in LM Studio (Developer tab) and list a model it has loaded." },
        },
    };

    /// <summary>Reads OpenAI <c>{"error":{code,type,message}}</c>, Anthropic <c>{"type":"error","error":{...}}</c> and <c>{"error":"text"}</c>.</summary>
    public override ProviderErrorFields? ReadError(JsonElement root)
    {
        if (!root.TryGetProperty("error", out JsonElement error) || error.ValueKind is not (JsonValueKind.Object or JsonValueKind.String))
        {
            return null;
        }

        if (error.ValueKind == JsonValueKind.String)
        {
            return new ProviderErrorFields(TextOf(root, "code"), null, error.GetString());
        }

        return new ProviderErrorFields(TextOf(error, "code") ?? TextOf(root, "code"), TextOf(error, "type"), TextOf(error, "message"));
    }
}
