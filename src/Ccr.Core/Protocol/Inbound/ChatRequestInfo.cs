using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>What the Chat Completions endpoint needs to know about the request after translating it.</summary>
/// <param name="Model">The model exactly as the client sent it (a <c>provider,model</c> pair routes explicitly).</param>
/// <param name="Stream">The client asked for a stream of chat.completion.chunk lines.</param>
/// <param name="IncludeUsage">stream_options.include_usage: a usage chunk with empty choices ends the stream.</param>
internal sealed record ChatRequestInfo(string Model, bool Stream, bool IncludeUsage);
