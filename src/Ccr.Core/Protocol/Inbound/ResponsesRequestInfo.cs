using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>What the Responses endpoint needs to know about the request after translating it.</summary>
/// <param name="Model">The model exactly as the client sent it.</param>
/// <param name="Stream">The client asked for the Responses event stream.</param>
/// <param name="DroppedTools">
/// Types of non-function tools (web_search, file_search, custom...) left out because no provider behind
/// the router runs OpenAI's hosted tools; the endpoint should log them and may report them in a header.
/// </param>
internal sealed record ResponsesRequestInfo(string Model, bool Stream, IReadOnlyList<string> DroppedTools);
