namespace Ccr.Core.Server;

/// <summary>How a proxy is hosted; /health and Get-CcrProxy show it as <c>session</c> or <c>detached</c>.</summary>
public enum ProxyMode
{
    /// <summary>Inside a PowerShell session; it stops when the last session that asked for it ends.</summary>
    Session,

    /// <summary>In a pwsh process of its own that outlives the session that started it.</summary>
    Detached,
}
