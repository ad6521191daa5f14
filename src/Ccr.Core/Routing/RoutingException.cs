using System.Globalization;
using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Protocol;

namespace Ccr.Core.Routing;

/// <summary>A request that cannot be routed at all (unknown preset, unknown provider, no route configured).</summary>
internal sealed class RoutingException : Exception
{
    public RoutingException(AnthropicError error)
        : base(error.Message)
    {
        Error = error;
    }

    public AnthropicError Error { get; }
}
