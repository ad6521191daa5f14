using System.Globalization;
using System.Management.Automation;
using System.Security;
using Ccr.Core.Config;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Adds a provider to the config or changes the given fields of one, leaving every other line as it was; a key goes to .env, never into the config.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "CcrProvider", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class SetCcrProviderCommand : CcrConfigCmdlet
{
    /// <summary>The provider's name, as routes use it (the part before the comma in <c>provider,model</c>).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProviderNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The <c>api_base_url</c>: a base such as <c>https://api.example.com/v1</c> or a full endpoint. Required for a new provider.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? BaseUrl { get; set; }

    /// <summary>The <c>models</c> list (replaces the current one). Required for a new provider.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Model { get; set; }

    /// <summary>The <c>tier_name</c> shown in Get-CcrTier and written in every decision-log line.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TierName { get; set; }

    /// <summary>The subscription plan (Lite or Pro) whose request windows Ccr keeps within (<c>quota.plan</c>).</summary>
    /// <remarks>A string, not Core's QuotaPlan: a parameter's type is loaded before the module's resolver can hand Ccr.Core over.</remarks>
    [Parameter]
    [ValidateSet("Lite", "Pro", IgnoreCase = true)]
    public string? Plan { get; set; }

    /// <summary>The key. Written to the .env beside the config; the config gets <c>${NAME_API_KEY}</c> (or the variable it already names).</summary>
    [Parameter]
    public SecureString? ApiKey { get; set; }

    /// <summary>USD per million input tokens (<c>pricing.input_per_million_tokens</c>), for cost in usage reports.</summary>
    [Parameter]
    [ValidateRange(0.0, 1_000_000.0)]
    public double? InputPricePerMillion { get; set; }

    /// <summary>USD per million output tokens (<c>pricing.output_per_million_tokens</c>).</summary>
    [Parameter]
    [ValidateRange(0.0, 1_000_000.0)]
    public double? OutputPricePerMillion { get; set; }

    /// <summary>Checks the change with a dry run, asks ShouldProcess, writes the key to .env, then edits the config under its lock.</summary>
    protected override void ProcessRecord()
    {
        string path = ResolveConfigPath();
        CcrConfig current = LoadConfigOrThrow(path, AboutProvider(Name));
        ProviderConfig? existing = current.FindProvider(Name);
        string name = existing?.Name ?? Name;
        string? variable = ApiKey is null ? null : ProviderEditor.KeyVariableOf(path, name);
        var change = new ProviderChange
        {
            Name = name,
            BaseUrl = BaseUrl,
            Models = Model,
            TierName = TierName,
            Plan = PlanValue,
            KeyVariable = variable,
            InputPricePerMillion = InputPricePerMillion,
            OutputPricePerMillion = OutputPricePerMillion,
        };
        ConfigLoadOptions load = LoadOptions();

        try
        {
            // A dry run first, so a refused change is reported even under -WhatIf and before the key is written.
            ProviderEditor.SetProvider(path, change, new ConfigEditOptions { LoadOptions = load, DryRun = true });
            string action = (existing is null ? "Add provider" : "Update provider") + Describe(change);
            if (!ShouldProcess($"Provider '{name}' in {path}", action))
            {
                return;
            }

            if (ApiKey is not null && variable is not null)
            {
                string envPath = DotEnvWriter.PathBeside(path);
                DotEnvWriter.Set(envPath, new Dictionary<string, string> { [variable] = SecureStrings.ToPlainText(ApiKey) });
                WriteVerbose($"Wrote {variable} to {envPath} (readable by you only).");
            }

            ConfigEditResult result = ProviderEditor.SetProvider(path, change, new ConfigEditOptions { LoadOptions = load });
            WriteVerbose(result.Changed ? $"Wrote {path} (previous content in {result.BackupPath})." : $"{path} already had these values; nothing written.");
        }
        catch (ConfigException ex)
        {
            WriteError(ex.FirstErrorCode is "ProviderIncomplete" or "PricingIncomplete"
                ? new ErrorRecord(ex, ex.FirstErrorCode, ErrorCategory.InvalidArgument, Name)
                : ErrorFor(ex, Name));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, ConfigWriteFailedErrorId, ErrorCategory.WriteError, path));
        }
    }

    private static string Describe(ProviderChange change)
    {
        var parts = new List<string>();
        if (change.BaseUrl is not null)
        {
            parts.Add("api_base_url " + change.BaseUrl);
        }

        if (change.Models is not null)
        {
            parts.Add("models " + string.Join(", ", change.Models));
        }

        if (change.TierName is not null)
        {
            parts.Add("tier_name " + change.TierName);
        }

        if (change.Plan is QuotaPlan plan)
        {
            parts.Add("quota plan " + ConfigTemplateWriter.PlanName(plan));
        }

        if (change.KeyVariable is not null)
        {
            parts.Add("key in .env as " + change.KeyVariable);
        }

        if (change.InputPricePerMillion is double input)
        {
            parts.Add("input price " + input.ToString(CultureInfo.InvariantCulture));
        }

        if (change.OutputPricePerMillion is double output)
        {
            parts.Add("output price " + output.ToString(CultureInfo.InvariantCulture));
        }

        return parts.Count == 0 ? " (no fields given)" : ": " + string.Join(", ", parts);
    }

    private QuotaPlan? PlanValue => Plan is null ? null : Enum.Parse<QuotaPlan>(Plan, ignoreCase: true);
}
