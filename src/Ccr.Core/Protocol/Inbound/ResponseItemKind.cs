using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>The kinds of Responses output items Ccr produces from Anthropic content blocks.</summary>
internal enum ResponseItemKind
{
    /// <summary>A text block: a message item with one output_text part.</summary>
    Message,

    /// <summary>A thinking block: a reasoning item with one summary_text.</summary>
    Reasoning,

    /// <summary>A tool_use block: a function_call item.</summary>
    FunctionCall,
}
