using System.Management.Automation;
using Ccr.Core.Config;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Removes providers from the config, refusing while a route, tier or preset uses one (unless -Force).</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "CcrProvider", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveCcrProviderCommand : CcrConfigCmdlet
{
    internal const string ProviderNotFoundErrorId = "ProviderNotFound";
    internal const string ProviderInUseErrorId = "ProviderInUse";

    /// <summary>The providers to remove.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProviderNameCompleter))]
    [Alias("Provider")]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Removes a provider even while routes, tiers or presets use it; those are then skipped until changed.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Removes each named provider after ShouldProcess.</summary>
    protected override void ProcessRecord()
    {
        string path = ResolveConfigPath();
        // What the file says about the providers being removed no longer matters, and the rest is untouched.
        CcrConfig config = LoadConfigOrThrow(path, static _ => false);
        foreach (string name in Name)
        {
            ProviderConfig? provider = config.FindProvider(name);
            if (provider is null)
            {
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"There is no provider '{name}' in {path}. Known providers: {string.Join(", ", config.Providers.Select(p => p.Name))}."),
                    ProviderNotFoundErrorId,
                    ErrorCategory.ObjectNotFound,
                    name));
                continue;
            }

            IReadOnlyList<string> uses = ProviderEditor.UsesOf(config, provider.Name);
            string action = uses.Count == 0 ? "Remove provider" : $"Remove provider still used by {string.Join(", ", uses)}";
            if (uses.Count > 0 && !Force)
            {
                // Refused before ShouldProcess, so -WhatIf shows the refusal rather than a removal that would not happen.
                action = "";
            }

            if (action.Length > 0 && !ShouldProcess($"Provider '{provider.Name}' in {path}", action))
            {
                continue;
            }

            try
            {
                ConfigEditResult result = ProviderEditor.RemoveProvider(path, provider.Name, Force, new ConfigEditOptions { LoadOptions = LoadOptions() });
                WriteVerbose($"Removed provider '{provider.Name}' from {path} (previous content in {result.BackupPath}).");
                if (uses.Count > 0)
                {
                    WriteWarning($"{string.Join(", ", uses)} still name '{provider.Name}' and are skipped until changed (Set-CcrTier, Remove-CcrTier, Set-CcrPreset).");
                }
            }
            catch (ConfigException ex)
            {
                WriteError(ex.FirstErrorCode switch
                {
                    "ProviderInUse" => new ErrorRecord(ex, ProviderInUseErrorId, ErrorCategory.ResourceBusy, name),
                    "ProviderNotFound" => new ErrorRecord(ex, ProviderNotFoundErrorId, ErrorCategory.ObjectNotFound, name),
                    _ => ErrorFor(ex, name),
                });
            }
        }
    }
}
