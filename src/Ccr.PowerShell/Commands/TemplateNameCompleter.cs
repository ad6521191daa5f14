using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Ccr.Core.Providers;

namespace Ccr.PowerShell.Commands;

/// <summary>Completes <c>New-CcrConfig -Template</c> with the templates the provider families offer.</summary>
public sealed class TemplateNameCompleter : IArgumentCompleter
{
    /// <summary>Returns the template names that start with what was typed, each with its description.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = CompletionConfig.Unquote(wordToComplete ?? "");
        var results = new List<CompletionResult>();
        foreach (ProviderTemplate template in ProviderTemplates.All)
        {
            if (template.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            {
                results.Add(new CompletionResult(template.Name, template.Name, CompletionResultType.ParameterValue, template.Description));
            }
        }

        return results;
    }
}
