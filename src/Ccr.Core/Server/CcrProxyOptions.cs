using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ccr.Core.Config;
using Ccr.Core.Routing;
using Ccr.Core.Server.Http;

namespace Ccr.Core.Server;

/// <summary>How to start a proxy. Anything left null comes from the config file.</summary>
public sealed class CcrProxyOptions
{
    /// <summary>The config file; null means CCR_CONFIG, then ~/.claude-code-router/config.json.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Overrides <c>PORT</c>; 0 picks a free port (tests).</summary>
    public int? Port { get; init; }

    /// <summary>Overrides <c>HOST</c>.</summary>
    public string? Host { get; init; }

    /// <summary>Where quota state is kept; default ~/.claude-code-router/state.</summary>
    public string? StateFolder { get; init; }

    /// <summary>Where the decision log is written; default ~/.claude-code-router/logs.</summary>
    public string? LogFolder { get; init; }

    /// <summary>How /health and Get-CcrProxy describe the hosting.</summary>
    public ProxyMode Mode { get; init; } = ProxyMode.Session;

    /// <summary>The clock; tests pass a fake one.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Called with a message when a config reload is refused or the proxy has something to warn about.</summary>
    public Action<string>? Warning { get; init; }

    /// <summary>
    /// Compiles a custom router script (its text and where it came from) for this proxy; the PowerShell module supplies it. Null:
    /// the proxy cannot run scripts, and a <c>CUSTOM_ROUTER_PATH</c> in the config is reported and otherwise ignored.
    /// </summary>
    internal Func<string, string, Routing.ICustomRouterScript>? CustomRouterCompiler { get; init; }
}
