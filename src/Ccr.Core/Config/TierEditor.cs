using System.Globalization;
using System.Text.Json.Nodes;

namespace Ccr.Core.Config;

/// <summary>
/// Changes the fallback chain <c>Router.tiers</c> through <see cref="ConfigEditor.Update"/> (locked, surgical,
/// validated, atomic): a route is inserted at a position or moved there, or removed. Positions count from 0,
/// the primary tier.
/// </summary>
public static class TierEditor
{
    private static readonly string[] s_tiers = { "Router", "tiers" };

    /// <summary>
    /// Puts <paramref name="route"/> at <paramref name="position"/> in <c>Router.tiers</c>: inserted when it is not
    /// there, moved when it is (its old line goes), left alone when it is already there and no position is given.
    /// Without a position a new route goes last. The route must name a provider and one of its models.
    /// </summary>
    /// <param name="configPath">The config file.</param>
    /// <param name="route">The route, <c>provider,model</c>.</param>
    /// <param name="position">The tier index it should have, or null (last for a new route; unchanged otherwise).</param>
    /// <param name="options">Lock timeout, dry run, variable sources.</param>
    public static ConfigEditResult SetTier(string configPath, string route, int? position, ConfigEditOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (!RouteTarget.TryParse(route, out RouteTarget target))
        {
            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "InvalidRoute", $"'{route}' is not a route; write \"provider,model\" with a provider from Providers and one of its models, e.g. \"qwen,qwen3-coder-plus\".", configPath, 0, 0, "$.Router.tiers"));
        }

        string text = target.ToString();
        return ConfigEditor.Update(
            configPath,
            document =>
            {
                IReadOnlyList<string> elements = document.ElementsOf(s_tiers);
                int current = IndexOf(document, elements, target);
                if (!document.Contains(s_tiers))
                {
                    document.SetValue(s_tiers, new JsonArray(text));
                    return;
                }

                if (current >= 0 && (position is null || position == current))
                {
                    return;
                }

                int count = current >= 0 ? elements.Count - 1 : elements.Count;
                int at = position ?? count;
                if (at > count)
                {
                    throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "InvalidPosition", $"Position {at.ToString(CultureInfo.InvariantCulture)} is past the end of Router.tiers, which would have {count.ToString(CultureInfo.InvariantCulture)} other tier(s); use 0 (the primary) to {count.ToString(CultureInfo.InvariantCulture)} (last).", configPath, 0, 0, document.JsonPathOf(s_tiers)));
                }

                if (current >= 0)
                {
                    document.RemoveAt(elements[current]);
                }

                document.InsertElement(document.JsonPathOf(s_tiers), at, JsonValue.Create(text));
            },
            (config, document, path) => CheckRoute(config, document, path, target),
            options);
    }

    /// <summary>Removes <paramref name="route"/> from <c>Router.tiers</c>; <see cref="ConfigEditResult.Changed"/> is false when it was not there.</summary>
    /// <param name="configPath">The config file.</param>
    /// <param name="route">The route, <c>provider,model</c>.</param>
    /// <param name="options">Lock timeout, dry run, variable sources.</param>
    public static ConfigEditResult RemoveTier(string configPath, string route, ConfigEditOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(route);
        RouteTarget.TryParse(route, out RouteTarget target);
        return ConfigEditor.Update(
            configPath,
            document =>
            {
                IReadOnlyList<string> elements = document.ElementsOf(s_tiers);
                int current = IndexOf(document, elements, target);
                if (current >= 0)
                {
                    document.RemoveAt(elements[current]);
                }
            },
            null,
            options);
    }

    /// <summary>The index of <paramref name="target"/> among the tier routes (provider ignoring case, model exactly), or -1.</summary>
    private static int IndexOf(ConfigDocument document, IReadOnlyList<string> elements, RouteTarget target)
    {
        for (int i = 0; i < elements.Count; i++)
        {
            if (document.ValueAt(elements[i]) is JsonValue value
                && value.TryGetValue(out string? text)
                && RouteTarget.TryParse(text, out RouteTarget tier)
                && string.Equals(tier.Provider, target.Provider, StringComparison.OrdinalIgnoreCase)
                && string.Equals(tier.Model, target.Model, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static IEnumerable<ConfigDiagnostic> CheckRoute(CcrConfig config, ConfigDocument document, string path, RouteTarget target)
    {
        (string Code, string Message)? problem = ConfigReader.DescribeRouteProblem(config, target);
        if (problem is not null)
        {
            // At load an unknown tier is a warning (pasted configs must load); writing one is refused.
            yield return new ConfigDiagnostic(DiagnosticSeverity.Error, "InvalidRoute", problem.Value.Message.Replace(" Until then this route is skipped.", "", StringComparison.Ordinal) + " The file was not changed.", path, 0, 0, document.JsonPathOf(s_tiers));
        }
    }
}
