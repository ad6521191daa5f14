namespace Ccr.Core.Server;

/// <summary>What /health reports about the proxy, fixed at start.</summary>
internal sealed record ServerInfo(int Port, int ProcessId, ProxyMode Mode, DateTimeOffset StartedAt, string? ConfigPath);
