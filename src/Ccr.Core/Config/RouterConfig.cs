namespace Ccr.Core.Config;

/// <summary>The <c>Router</c> section.</summary>
public sealed class RouterConfig
{
    /// <summary><c>default</c>.</summary>
    public RouteTarget? Default { get; init; }

    /// <summary><c>background</c>: haiku-class requests.</summary>
    public RouteTarget? Background { get; init; }

    /// <summary><c>think</c>: requests with thinking enabled.</summary>
    public RouteTarget? Think { get; init; }

    /// <summary><c>longContext</c>: requests above <see cref="LongContextThreshold"/> tokens.</summary>
    public RouteTarget? LongContext { get; init; }

    /// <summary><c>longContextThreshold</c>, default 60000.</summary>
    public int LongContextThreshold { get; init; } = 60_000;

    /// <summary><c>webSearch</c>: requests that carry a web_search tool.</summary>
    public RouteTarget? WebSearch { get; init; }

    /// <summary><c>tiers</c>: the fallback chain in strict priority order.</summary>
    public IReadOnlyList<RouteTarget> Tiers { get; init; } = Array.Empty<RouteTarget>();

    /// <summary><c>tierRetries</c> keyed by <c>tier-N</c> (or a tier_name); see <see cref="RetryPolicyFor"/>.</summary>
    public IReadOnlyDictionary<string, RetryPolicy> TierRetries { get; init; } =
        new Dictionary<string, RetryPolicy>(StringComparer.OrdinalIgnoreCase);

    /// <summary>claude-code-router's per-scenario <c>fallback</c> lists (scenario name to targets).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<RouteTarget>> Fallback { get; init; } =
        new Dictionary<string, IReadOnlyList<RouteTarget>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The retry policy for tier <paramref name="tierIndex"/>: by <c>tier-N</c>, then by tier name, else the default.</summary>
    public RetryPolicy RetryPolicyFor(int tierIndex, string? tierName)
    {
        if (TierRetries.TryGetValue("tier-" + tierIndex.ToString(System.Globalization.CultureInfo.InvariantCulture), out RetryPolicy? byIndex))
        {
            return byIndex;
        }

        if (tierName is not null && TierRetries.TryGetValue(tierName, out RetryPolicy? byName))
        {
            return byName;
        }

        return RetryPolicy.Default;
    }
}

/// <summary>Retries of one tier before falling to the next.</summary>
/// <param name="MaxRetries">Retries after the first attempt (total attempts = 1 + this).</param>
/// <param name="BaseBackoffMs">Delay before the first retry.</param>
/// <param name="BackoffMultiplier">Factor applied to the delay for each further retry.</param>
public sealed record RetryPolicy(int MaxRetries, int BaseBackoffMs, double BackoffMultiplier)
{
    /// <summary>The default when <c>tierRetries</c> says nothing: CCR-Rust's 3 retries from 100 ms, doubling.</summary>
    public static RetryPolicy Default { get; } = new(3, 100, 2.0);
}

/// <summary>A <c>Presets</c> entry: a route plus defaults for what a request omits.</summary>
public sealed class PresetConfig
{
    /// <summary>The preset's name (its key in <c>Presets</c>).</summary>
    public required string Name { get; init; }

    /// <summary><c>route</c>.</summary>
    public required RouteTarget Route { get; init; }

    /// <summary><c>temperature</c>.</summary>
    public double? Temperature { get; init; }

    /// <summary><c>max_tokens</c>.</summary>
    public int? MaxTokens { get; init; }

    /// <summary><c>top_p</c>.</summary>
    public double? TopP { get; init; }

    /// <summary><c>system</c>.</summary>
    public string? System { get; init; }
}

/// <summary>A <c>provider,model</c> pair.</summary>
/// <param name="Provider">The provider name.</param>
/// <param name="Model">The model name as the provider knows it.</param>
public readonly record struct RouteTarget(string Provider, string Model)
{
    /// <summary>Parses <c>provider,model</c>; the model may itself contain commas after the first.</summary>
    public static bool TryParse(string? text, out RouteTarget target)
    {
        target = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        int comma = text.IndexOf(',', StringComparison.Ordinal);
        if (comma <= 0 || comma == text.Length - 1)
        {
            return false;
        }

        target = new RouteTarget(text[..comma].Trim(), text[(comma + 1)..].Trim());
        return target.Provider.Length > 0 && target.Model.Length > 0;
    }

    /// <summary>The <c>provider,model</c> form.</summary>
    public override string ToString() => Provider + "," + Model;
}

/// <summary>How bad a config finding is.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Loads, but the user should know.</summary>
    Warning,

    /// <summary>The config cannot be used.</summary>
    Error,
}

/// <summary>A finding about a config file, located precisely enough to fix it.</summary>
/// <param name="Severity">Warning or error.</param>
/// <param name="Code">A stable identifier (e.g. <c>UnknownProvider</c>).</param>
/// <param name="Message">What is wrong and how to fix it.</param>
/// <param name="FilePath">The config file, or null.</param>
/// <param name="Line">1-based line, or 0 when unknown.</param>
/// <param name="Column">1-based column, or 0 when unknown.</param>
/// <param name="JsonPath">The JSON path of the offending value (e.g. <c>$.Router.tiers[1]</c>).</param>
public sealed record ConfigDiagnostic(
    DiagnosticSeverity Severity,
    string Code,
    string Message,
    string? FilePath,
    int Line,
    int Column,
    string JsonPath)
{
    /// <summary><c>file:line:column: JsonPath: message</c>, the form editors jump to.</summary>
    public override string ToString()
    {
        string where = FilePath is null ? "" : FilePath + (Line > 0 ? ":" + Line.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + Column.ToString(System.Globalization.CultureInfo.InvariantCulture) : "") + ": ";
        return where + JsonPath + ": " + Message;
    }
}
