using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>One output item; its text (or arguments) is a quoted JSON string in <see cref="ResponseState"/>'s buffer.</summary>
internal sealed record ResponseOutputItem(ResponseItemKind Kind, string Id, string? CallId, string? Name, int OutputIndex)
{
    public int TextStart { get; set; }

    public int TextLength { get; set; }

    public bool Closed { get; set; }
}
