using System.Reflection;

namespace Ccr.Core;

/// <summary>Facts about this build of Ccr that endpoints and cmdlets report.</summary>
public static class CcrInfo
{
    /// <summary>The service name reported by <c>/health</c>, used to recognise a Ccr proxy on a port.</summary>
    public const string ServiceName = "ccr";

    /// <summary>The default port, shared with claude-code-router and CCR-Rust.</summary>
    public const int DefaultPort = 3456;

    /// <summary>The informational version of Ccr.Core.</summary>
    public static string Version { get; } =
        typeof(CcrInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? "0.0.0";
}
