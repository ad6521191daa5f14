using System.Globalization;
using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Tokens;

namespace Ccr.Core.Routing;

/// <summary>
/// Turns one request into its ordered attempts (docs/ARCHITECTURE.md, Routing): explicit provider,model;
/// a preset; a subagent tag; the scenarios; the default; then the tiers as the fallback chain.
/// Pure: reads the config snapshot and the request facts, touches no state.
/// </summary>
internal static class RouteResolver
{
    public static RoutePlan Resolve(ConfigSnapshot snapshot, RequestFacts facts, ReadOnlySpan<byte> body, string? presetName)
    {
        CcrConfig config = snapshot.Config;
        RouterConfig router = config.Router;
        PresetConfig? preset = null;
        RouteSource source;
        RouteTarget? chosen;
        int tokenEstimate = -1;

        if (presetName is not null)
        {
            if (!config.Presets.TryGetValue(presetName, out preset))
            {
                throw new RoutingException(new AnthropicError(404, "not_found_error", string.Create(CultureInfo.InvariantCulture,
                    $"Preset '{presetName}' is not defined in {Where(config)}. Defined presets: {ListPresets(config)}. Add it with Set-CcrPreset -Name {presetName} -Route provider,model.")));
            }

            source = RouteSource.Preset;
            chosen = preset.Route;
        }
        else if (facts.Model is not null && facts.Model.Contains(',', StringComparison.Ordinal))
        {
            if (!RouteTarget.TryParse(facts.Model, out RouteTarget explicitTarget))
            {
                throw new RoutingException(new AnthropicError(400, "invalid_request_error",
                    $"model '{facts.Model}' is not a valid provider,model route: write it as \"provider,model\", e.g. \"qwen,qwen3-coder-plus\"."));
            }

            if (snapshot.Find(explicitTarget.Provider) is null)
            {
                throw new RoutingException(new AnthropicError(400, "invalid_request_error", string.Create(CultureInfo.InvariantCulture,
                    $"model '{facts.Model}' names provider '{explicitTarget.Provider}', which is not in Providers of {Where(config)}. Known providers: {ListProviders(snapshot)}.")));
            }

            source = RouteSource.Explicit;
            chosen = explicitTarget;
        }
        else if (facts.SubagentRoute is not null && RouteTarget.TryParse(facts.SubagentRoute, out RouteTarget subagent) && snapshot.Find(subagent.Provider) is not null)
        {
            source = RouteSource.Subagent;
            chosen = subagent;
        }
        else
        {
            (source, chosen) = ChooseScenario(router, facts, body, out tokenEstimate);
        }

        var targets = new List<PlannedTarget>(router.Tiers.Count + 2);
        if (chosen is RouteTarget first)
        {
            Add(targets, snapshot, first);
        }

        if (router.Fallback.TryGetValue(ScenarioKey(source), out IReadOnlyList<RouteTarget>? scenarioFallback))
        {
            foreach (RouteTarget target in scenarioFallback)
            {
                Add(targets, snapshot, target);
            }
        }

        foreach (RouteTarget tier in router.Tiers)
        {
            Add(targets, snapshot, tier);
        }

        if (targets.Count == 0)
        {
            throw new RoutingException(new AnthropicError(400, "invalid_request_error", string.Create(CultureInfo.InvariantCulture,
                $"No route for model '{facts.Model ?? "(none)"}': {Where(config)} has no Router.default and no Router.tiers. Send \"model\": \"provider,model\" or add a default route.")));
        }

        return new RoutePlan(source, preset, targets, tokenEstimate);
    }

    /// <summary>
    /// The plan with a custom router's choice in front: <paramref name="target"/> (or the preset's route) first, then what Ccr
    /// would have tried, so the script's choice falls back like any other route.
    /// </summary>
    public static RoutePlan WithCustomChoice(ConfigSnapshot snapshot, RoutePlan plan, RouteTarget target, PresetConfig? preset)
    {
        var targets = new List<PlannedTarget>(plan.Targets.Count + 1);
        Add(targets, snapshot, target);
        foreach (PlannedTarget planned in plan.Targets)
        {
            Add(targets, snapshot, planned.Target);
        }

        return new RoutePlan(RouteSource.Custom, preset, targets, plan.TokenEstimate);
    }

    private static (RouteSource Source, RouteTarget? Target) ChooseScenario(RouterConfig router, RequestFacts facts, ReadOnlySpan<byte> body, out int tokenEstimate)
    {
        // The token estimate is the only costly check, so it runs only when a longContext route exists.
        tokenEstimate = -1;
        if (router.LongContext is RouteTarget longContext && (tokenEstimate = TokenCounter.Estimate(body)) > router.LongContextThreshold)
        {
            return (RouteSource.LongContext, longContext);
        }

        if (router.Background is RouteTarget background && facts.Model is not null &&
            facts.Model.Contains("haiku", StringComparison.OrdinalIgnoreCase))
        {
            return (RouteSource.Background, background);
        }

        if (router.WebSearch is RouteTarget webSearch && facts.HasWebSearchTool)
        {
            return (RouteSource.WebSearch, webSearch);
        }

        if (router.Think is RouteTarget think && facts.ThinkingEnabled)
        {
            return (RouteSource.Think, think);
        }

        if (router.Default is RouteTarget defaultRoute)
        {
            return (RouteSource.Default, defaultRoute);
        }

        return (RouteSource.Tier0, null);
    }

    private static string ScenarioKey(RouteSource source) => RoutePlan.SourceName(source);

    private static void Add(List<PlannedTarget> targets, ConfigSnapshot snapshot, RouteTarget target)
    {
        foreach (PlannedTarget existing in targets)
        {
            if (string.Equals(existing.Target.Provider, target.Provider, StringComparison.OrdinalIgnoreCase) &&
                string.Equals(existing.Target.Model, target.Model, StringComparison.Ordinal))
            {
                return;
            }
        }

        IReadOnlyList<RouteTarget> tiers = snapshot.Config.Router.Tiers;
        int tierIndex = -1;
        for (int i = 0; i < tiers.Count; i++)
        {
            if (string.Equals(tiers[i].Provider, target.Provider, StringComparison.OrdinalIgnoreCase) &&
                string.Equals(tiers[i].Model, target.Model, StringComparison.Ordinal))
            {
                tierIndex = i;
                break;
            }
        }

        ProviderRuntime? provider = snapshot.Find(target.Provider);
        string tierName = provider?.Config.TierName
            ?? (tierIndex >= 0 ? "tier-" + tierIndex.ToString(CultureInfo.InvariantCulture) : target.Provider);
        targets.Add(new PlannedTarget(target, tierIndex, tierName, provider));
    }

    private static string Where(CcrConfig config) => config.SourcePath ?? "the config";

    private static string ListPresets(CcrConfig config)
    {
        if (config.Presets.Count == 0)
        {
            return "(none)";
        }

        var names = new StringBuilder();
        foreach (string name in config.Presets.Keys)
        {
            names.Append(names.Length == 0 ? "" : ", ").Append(name);
        }

        return names.ToString();
    }

    private static string ListProviders(ConfigSnapshot snapshot)
    {
        var names = new StringBuilder();
        foreach (ProviderRuntime provider in snapshot.Providers)
        {
            names.Append(names.Length == 0 ? "" : ", ").Append(provider.Name);
        }

        return names.Length == 0 ? "(none)" : names.ToString();
    }
}
