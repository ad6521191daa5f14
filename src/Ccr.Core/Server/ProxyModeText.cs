namespace Ccr.Core.Server;

/// <summary>The one spelling of <see cref="ProxyMode"/> on the wire (/health) and in output objects.</summary>
public static class ProxyModeText
{
    /// <summary><c>session</c> or <c>detached</c>.</summary>
    public static string Of(ProxyMode mode) => mode == ProxyMode.Detached ? "detached" : "session";

    /// <summary>Reads what <see cref="Of"/> wrote; null for anything else (a proxy of a newer version, say).</summary>
    public static ProxyMode? Parse(string? text) => text switch
    {
        "session" => ProxyMode.Session,
        "detached" => ProxyMode.Detached,
        _ => null,
    };
}
