using System.Buffers;
using System.Globalization;
using System.Net;
using Ccr.Core.Server.Http;
using System.Text;
using System.Text.Json;
using Ccr.Core.Buffers;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Protocol.Inbound;
using Ccr.Core.Routing;

namespace Ccr.Core.Server;

/// <summary>What /health reports about the proxy, fixed at start.</summary>
internal sealed record ServerInfo(int Port, int ProcessId, string Mode, DateTimeOffset StartedAt, string? ConfigPath);
