namespace Ccr.Core.Routing;

/// <summary>
/// What a custom router script (<c>CUSTOM_ROUTER_PATH</c> or Register-CcrRouter) is given for one request: read-only, built
/// fresh for each call, and holding copies only, so a script that outlives its time budget never reads memory the request
/// has given back.
/// </summary>
public sealed class CustomRouteRequest
{
    internal CustomRouteRequest(
        string requestId,
        string? model,
        string lastUserText,
        string system,
        IReadOnlyList<string> tools,
        bool thinking,
        int tokenCount,
        string? sessionId,
        string? projectDir,
        string scenario,
        string? route)
    {
        RequestId = requestId;
        Model = model;
        LastUserText = lastUserText;
        System = system;
        Tools = tools;
        Thinking = thinking;
        TokenCount = tokenCount;
        SessionId = sessionId;
        ProjectDir = projectDir;
        Scenario = scenario;
        Route = route;
    }

    /// <summary>The request id the client gets back (and the decision log carries).</summary>
    public string RequestId { get; }

    /// <summary>The model as the client asked for it (Claude Code sends <c>claude-*</c> names).</summary>
    public string? Model { get; }

    /// <summary>
    /// The text of the latest user turn that has text of the user's: tool results and Claude Code's <c>&lt;system-reminder&gt;</c>
    /// blocks are passed over, so a turn that carries only those does not count.
    /// </summary>
    public string LastUserText { get; }

    /// <summary>The system prompt's text (its blocks joined by new lines), or empty.</summary>
    public string System { get; }

    /// <summary>The names of the tools the request offers.</summary>
    public IReadOnlyList<string> Tools { get; }

    /// <summary>Whether extended thinking is on.</summary>
    public bool Thinking { get; }

    /// <summary>
    /// Ccr's token estimate of the request, the same number long-context routing compares with its threshold; -1 when the script's
    /// text does not name TokenCount and no longContext route needed it (it is not computed for nothing).
    /// </summary>
    public int TokenCount { get; }

    /// <summary>Claude Code's session id, or null.</summary>
    public string? SessionId { get; }

    /// <summary>The working directory from Claude Code's environment block (<c>Working directory: ...</c>), or null.</summary>
    public string? ProjectDir { get; }

    /// <summary>The scenario Ccr chose: default, background, think, longContext, webSearch or tier0.</summary>
    public string Scenario { get; }

    /// <summary>The <c>provider,model</c> Ccr would use (with Scenario tier0, the first tier).</summary>
    public string? Route { get; }

    /// <inheritdoc/>
    public override string ToString() => Scenario + " -> " + Route + " (" + (Model ?? "no model") + ")";
}
