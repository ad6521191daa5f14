using Ccr.Core.Config;
using Ccr.Core.Providers;

namespace Ccr.Core.Routing;

/// <summary>
/// One loaded config plus everything derived from it. Swapped whole on reload, so a request that
/// started under the old config finishes under it.
/// </summary>
internal sealed class ConfigSnapshot
{
    private readonly Dictionary<string, ProviderRuntime> _providers = new(StringComparer.OrdinalIgnoreCase);

    public ConfigSnapshot(CcrConfig config)
    {
        Config = config;
        foreach (ProviderConfig provider in config.Providers)
        {
            _providers.TryAdd(provider.Name, new ProviderRuntime(provider));
        }
    }

    public CcrConfig Config { get; }

    public IEnumerable<ProviderRuntime> Providers => _providers.Values;

    public ProviderRuntime? Find(string name) => _providers.TryGetValue(name, out ProviderRuntime? provider) ? provider : null;
}
