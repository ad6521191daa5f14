namespace Ccr.Core.Server;

/// <summary>The endpoints behind the auth check, as <see cref="ProxyServer.TryParseRoute"/> maps a path to them.</summary>
internal enum ProxyRoute
{
    /// <summary>POST /v1/messages (also under /preset/{name}).</summary>
    Messages,

    /// <summary>POST /v1/messages/count_tokens (also under /preset/{name}).</summary>
    CountTokens,

    /// <summary>POST /v1/chat/completions (also under /preset/{name}).</summary>
    ChatCompletions,

    /// <summary>POST /v1/responses (also under /preset/{name}).</summary>
    Responses,

    /// <summary>GET /v1/models.</summary>
    Models,

    /// <summary>GET /metrics.</summary>
    Metrics,

    /// <summary>GET /ccr/tiers.</summary>
    Tiers,

    /// <summary>GET /ccr/usage.</summary>
    Usage,
    /// <summary>POST /ccr/statusline: Claude Code's status-line JSON in, one line of text out.</summary>
    StatusLine,

    /// <summary>GET /ccr/dashboard: latency, traffic and recent decisions from memory, for Watch-CcrProxy.</summary>
    Dashboard,

    /// <summary>POST /ccr/shutdown, with the control token.</summary>
    Shutdown,
}
