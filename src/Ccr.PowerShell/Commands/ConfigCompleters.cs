using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Ccr.Core.Config;

namespace Ccr.PowerShell.Commands;

/// <summary>Completes preset names from the config named by <c>-ConfigPath</c> (or the default one).</summary>
public sealed class PresetNameCompleter : IArgumentCompleter
{
    /// <summary>Returns the preset names that start with what was typed.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionConfig.Complete(fakeBoundParameters, wordToComplete, config =>
            config.Presets.Values.Select(preset => new CompletionCandidate(preset.Name, CompletionConfig.Quote(preset.Name), preset.Route.ToString())));
}

/// <summary>Completes provider names from the config named by <c>-ConfigPath</c> (or the default one).</summary>
public sealed class ProviderNameCompleter : IArgumentCompleter
{
    /// <summary>Returns the provider names that start with what was typed.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionConfig.Complete(fakeBoundParameters, wordToComplete, config =>
            config.Providers.Select(provider => new CompletionCandidate(provider.Name, CompletionConfig.Quote(provider.Name), provider.Endpoint.ToString())));
}

/// <summary>Completes <c>provider,model</c> routes from the providers and models in the config.</summary>
public sealed class RouteCompleter : IArgumentCompleter
{
    /// <summary>Returns the quoted routes that start with what was typed.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionConfig.Complete(fakeBoundParameters, wordToComplete, config =>
            config.Providers.SelectMany(provider => provider.Models.Select(model =>
            {
                string route = provider.Name + "," + model;

                // Quoted: unquoted a,b is an array in PowerShell.
                return new CompletionCandidate(route, "'" + route + "'", $"{model} on {provider.Name} ({provider.Protocol})");
            })));
}

/// <summary>Completes the routes that are in <c>Router.tiers</c>, tier 0 first.</summary>
public sealed class TierRouteCompleter : IArgumentCompleter
{
    /// <summary>Returns the quoted tier routes that start with what was typed.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionConfig.Complete(fakeBoundParameters, wordToComplete, config =>
            config.Router.Tiers.Select((tier, index) => new CompletionCandidate(tier.ToString(), "'" + tier + "'", $"Tier {index}")));
}

/// <summary>One value a completer offers: what it is, what goes on the command line, and its tooltip.</summary>
internal readonly record struct CompletionCandidate(string Value, string CompletionText, string ToolTip);

internal static class CompletionConfig
{
    /// <summary>The candidates that start with what was typed, as completion results; none when the config cannot be read.</summary>
    public static IEnumerable<CompletionResult> Complete(IDictionary fakeBoundParameters, string wordToComplete, Func<CcrConfig, IEnumerable<CompletionCandidate>> candidates)
    {
        CcrConfig? config = Load(fakeBoundParameters);
        if (config is null)
        {
            return [];
        }

        string typed = Unquote(wordToComplete);
        return candidates(config)
            .Where(c => c.Value.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .Select(c => new CompletionResult(c.CompletionText, c.Value, CompletionResultType.ParameterValue, c.ToolTip))
            .ToList();
    }

    public static CcrConfig? Load(IDictionary fakeBoundParameters)
    {
        try
        {
            string? explicitPath = fakeBoundParameters[nameof(CcrConfigCmdlet.ConfigPath)] as string;
            string path = CcrConfigCmdlet.ResolveConfigPath(explicitPath);
            return File.Exists(path) ? ConfigLoader.Load(path).Config : null;
        }
#pragma warning disable CA1031 // Completion must never throw into the user's typing.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    public static string Unquote(string word) => word.Trim('\'', '"');

    public static string Quote(string name)
    {
        foreach (char c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'";
            }
        }

        return name;
    }
}

/// <summary>
/// Lets <c>-Route qwen,qwen3-coder-plus</c> work unquoted: PowerShell reads that as a two-element array,
/// which this joins back into the <c>provider,model</c> string.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class RouteTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>Joins an array of parts with commas; passes anything else through.</summary>
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is IList list && value is not string)
        {
            var parts = new List<string>(list.Count);
            foreach (object? item in list)
            {
                parts.Add((item is PSObject p ? p.BaseObject : item)?.ToString() ?? "");
            }

            return string.Join(",", parts);
        }

        return inputData;
    }
}
