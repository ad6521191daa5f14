using System.Globalization;
using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Quota;
using Ccr.Core.Routing;
using Ccr.Core.Server;

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

    /// <summary>
    /// The key does not look like the kind the provider's host takes (e.g. a Coding Plan host with a key that is not a
    /// plan key). The tier is still tried; Test-CcrProvider's KeyFormat check says what to change.
    /// </summary>
    KeySuspect,
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

    /// <summary>Whether the provider's key resolved and looks right for its host (Ok, KeyMissing or KeySuspect); null when the provider is unknown.</summary>
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

    /// <summary>While the state is QuotaExhausted, the window that is used up (FiveHour, Weekly, Monthly), as the provider's own message or the local count named it; null when unknown.</summary>
    public string? QuotaWindow { get; init; }

    /// <summary>Requests sent to this tier by the running proxy (null without one).</summary>
    public long? Requests { get; init; }

    /// <summary>Failed requests on this tier (null without a running proxy).</summary>
    public long? Failures { get; init; }

    /// <summary>The last upstream error on this tier (null without a running proxy).</summary>
    public string? LastError { get; init; }

    /// <summary>When the last error happened (null without a running proxy).</summary>
    public DateTimeOffset? LastErrorAt { get; init; }

    /// <summary>Local quota use at a glance, e.g. <c>5h 12/1200 · wk 40/9000 · mo 40/18000</c>; null when the provider has no quota.</summary>
    public string? Quota { get; init; }

    /// <summary>Each quota window: used, limit, left and when it resets.</summary>
    public IReadOnlyList<QuotaWindowInfo> QuotaWindows { get; init; } = Array.Empty<QuotaWindowInfo>();

    /// <summary>True when State, Until, counts and quota come from a running proxy.</summary>
    public bool IsLive { get; init; }

    /// <summary>Where the live state came from (<c>this session</c> or the proxy's URL), or null.</summary>
    public string? LiveSource { get; init; }

    /// <summary>The config file the tier was read from.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>The <c>provider,model</c> form.</summary>
    public override string ToString() => Provider + "," + Model;

    internal static TierInfo From(CcrConfig config, int index, RouteTarget target) => From(config, index, target, null, null);

    internal static TierInfo From(CcrConfig config, int index, RouteTarget target, TierStatus? live, string? liveSource)
    {
        ProviderConfig? provider = config.FindProvider(target.Provider);
        TierState state = config.GetRouteState(target) switch
        {
            RouteTargetState.KeyMissing => TierState.KeyMissing,
            RouteTargetState.UnknownProvider => TierState.UnknownProvider,
            RouteTargetState.UnknownModel => TierState.UnknownModel,
            RouteTargetState.KeySuspect => TierState.KeySuspect,
            _ => TierState.Ready,
        };
        if (live?.State is TierAvailability liveState)
        {
            state = liveState switch
            {
                TierAvailability.KeyMissing => TierState.KeyMissing,
                TierAvailability.UnknownProvider => TierState.UnknownProvider,
                TierAvailability.UnknownModel => TierState.UnknownModel,
                TierAvailability.CoolingDown => TierState.CoolingDown,
                TierAvailability.QuotaExhausted => TierState.QuotaExhausted,
                TierAvailability.CircuitOpen => TierState.CircuitOpen,
                TierAvailability.KeySuspect => TierState.KeySuspect,
                _ => TierState.Ready,
            };
        }

        var windows = new List<QuotaWindowInfo>();
        if (live is not null)
        {
            foreach (QuotaWindowSnapshot window in live.Quota)
            {
                windows.Add(new QuotaWindowInfo { Window = window.Name, Used = window.Used, Limit = window.Limit, Left = window.Left, ResetsAt = window.ResetsAt, LimitUnknown = window.LimitUnknown });
            }
        }

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
            IsLive = live is not null,
            LiveSource = liveSource,
            Until = live?.Until,
            QuotaWindow = live?.QuotaWindow,
            Requests = live?.Requests,
            Failures = live?.Failures,
            LastError = live?.LastError,
            LastErrorAt = live?.LastErrorAt,
            QuotaWindows = windows,
            Quota = QuotaWindowInfo.Summary(windows),
        };
    }
}

/// <summary>One local quota window of a provider (five-hour rolling, weekly, monthly).</summary>
public sealed class QuotaWindowInfo
{
    /// <summary>FiveHour, Weekly or Monthly.</summary>
    public string Window { get; init; } = "";

    /// <summary>Requests counted in the window.</summary>
    public long Used { get; init; }

    /// <summary>Requests allowed, or null for no limit (or an unknown one, see <see cref="LimitUnknown"/>).</summary>
    public int? Limit { get; init; }

    /// <summary>True when the provider is on a plan whose limit is not configured (no <c>quota.plan</c>): requests are counted, the limit shows as <c>?</c>.</summary>
    public bool LimitUnknown { get; init; }

    /// <summary>Requests left, or null for no limit.</summary>
    public long? Left { get; init; }

    /// <summary>When the window next frees requests.</summary>
    public DateTimeOffset ResetsAt { get; init; }

    /// <summary><c>5h 12/1200</c>, <c>5h 12/?</c> when the plan's limit is unknown.</summary>
    public override string ToString() => Short(Window) + " " + Used.ToString(CultureInfo.InvariantCulture) + "/" + (Limit?.ToString(CultureInfo.InvariantCulture) ?? (LimitUnknown ? "?" : "∞"));

    internal static string? Summary(IReadOnlyList<QuotaWindowInfo> windows)
    {
        if (windows.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (QuotaWindowInfo window in windows)
        {
            text.Append(text.Length == 0 ? "" : " · ").Append(window);
        }

        return text.ToString();
    }

    private static string Short(string window) => window switch
    {
        "FiveHour" => "5h",
        "Weekly" => "wk",
        "Monthly" => "mo",
        _ => window,
    };
}
