using Ccr.Core.Config;

namespace Ccr.Core.Routing;

/// <summary>Why a request may not go to an interactive-only (Coding Plan) provider from this host.</summary>
/// <param name="Provider">The interactive-only provider the request would reach.</param>
/// <param name="Reason">Why the host is not interactive.</param>
internal sealed record InteractiveRefusal(ProviderConfig Provider, string Reason);
