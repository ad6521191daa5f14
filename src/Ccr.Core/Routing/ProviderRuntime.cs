using Ccr.Core.Config;
using Ccr.Core.Providers;

namespace Ccr.Core.Routing;

/// <summary>A provider with the quirks profile built for it at load time, so requests never rebuild it.</summary>
internal sealed class ProviderRuntime
{
    public ProviderRuntime(ProviderConfig config)
    {
        Config = config;
        Profile = ProviderProfile.For(config);
    }

    public ProviderConfig Config { get; }

    public ProviderProfile Profile { get; }

    public string Name => Config.Name;
}
