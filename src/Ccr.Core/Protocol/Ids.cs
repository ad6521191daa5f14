using System.Buffers;
using System.Text.Json;
using Ccr.Core.Buffers;

namespace Ccr.Core.Protocol;

/// <summary>Generated ids in Anthropic's shapes.</summary>
internal static class Ids
{
    public static string NewMessageId() => "msg_" + Guid.NewGuid().ToString("N");

    public static string NewToolUseId() => "toolu_" + Guid.NewGuid().ToString("N");
}
