using Ccr.Core.Config;

namespace Ccr.PowerShell;

/// <summary>Whether a tier can take requests now.</summary>
public enum TierState
{
    /// <summary>The provider exists, lists the model and has a key.</summary>
    Ready,

    /// <summary>The provider's key variable is not set; the tier is skipped.</summary>
    KeyMissing,

    /// <summary>No provider has this name; the tier is skipped.</summary>
    UnknownProvider,

    /// <summary>The provider does not list this model; the tier is skipped.</summary>
    UnknownModel,

    /// <summary>The upstream asked to back off (429, Retry-After) and the tier waits until <see cref="TierInfo.Until"/>.</summary>
    CoolingDown,

    /// <summary>A local quota window is used up until <see cref="TierInfo.Until"/>.</summary>
    QuotaExhausted,

    /// <summary>Too many failures in a row; the tier rests until <see cref="TierInfo.Until"/>.</summary>
    CircuitOpen,
}

/// <summary>One entry of <c>Router.tiers</c>, as Get-CcrTier shows it.</summary>
public sealed class TierInfo
{
    /// <summary>The tier's position (0 is the primary).</summary>
    public int Index { get; init; }

    /// <summary>The provider name from the route.</summary>
    public string Provider { get; init; } = "";

    /// <summary>The model name from the route.</summary>
    public string Model { get; init; } = "";

    /// <summary>The provider's <c>tier_name</c> (what the routing log shows), or null.</summary>
    public string? TierName { get; init; }

    /// <summary>Whether the provider's key resolved (Ok or KeyMissing); null when the provider is unknown.</summary>
    /// <remarks>Strings, not Ccr.Core enums: a field of an engine value type would make PowerShell load the engine while it scans the module, before the resolver is hooked.</remarks>
    public string? KeyState { get; init; }

    /// <summary>Whether the tier can take requests.</summary>
    public TierState State { get; init; }

    /// <summary>The key in redacted form (<c>sk-sp-…abcd</c>).</summary>
    public string? KeyHint { get; init; }

    /// <summary>The URL requests are sent to.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The protocol spoken at <see cref="Endpoint"/> (OpenAI or Anthropic).</summary>
    public string? Protocol { get; init; }

    /// <summary>When a cooldown, quota window or open circuit ends (live proxies only; null otherwise).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Requests sent to this tier by the running proxy (null without one).</summary>
    public long? Requests { get; init; }

    /// <summary>Failed requests on this tier (null without a running proxy).</summary>
    public long? Failures { get; init; }

    /// <summary>The last upstream error on this tier (null without a running proxy).</summary>
    public string? LastError { get; init; }

    /// <summary>The config file the tier was read from.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>The <c>provider,model</c> form.</summary>
    public override string ToString() => Provider + "," + Model;

    internal static TierInfo From(CcrConfig config, int index, RouteTarget target)
    {
        ProviderConfig? provider = config.FindProvider(target.Provider);
        TierState state = config.GetRouteState(target) switch
        {
            RouteTargetState.KeyMissing => TierState.KeyMissing,
            RouteTargetState.UnknownProvider => TierState.UnknownProvider,
            RouteTargetState.UnknownModel => TierState.UnknownModel,
            _ => TierState.Ready,
        };
        return new TierInfo
        {
            Index = index,
            Provider = target.Provider,
            Model = target.Model,
            TierName = provider?.TierName,
            KeyState = provider?.KeyState.ToString(),
            State = state,
            KeyHint = provider?.KeyHint,
            Endpoint = provider?.Endpoint,
            Protocol = provider?.Protocol.ToString(),
            ConfigPath = config.SourcePath,
        };
    }
}
