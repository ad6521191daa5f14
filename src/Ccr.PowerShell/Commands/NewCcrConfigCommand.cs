using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Security;
using Ccr.Core.Config;
using Ccr.Core.Providers;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Writes a working config from provider templates, one tier chain through them, with each key in an owner-only .env beside it.</para>
/// Ends with what <c>Test-CcrProvider</c> says about the new config: offline checks, or the online request with <c>-Test</c>.
/// </summary>
[Cmdlet(VerbsCommon.New, "CcrConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ProviderTestResult))]
public sealed class NewCcrConfigCommand : PSCmdlet
{
    internal const string UnknownTemplateErrorId = "UnknownTemplate";
    internal const string ConfigExistsErrorId = "ConfigExists";
    internal const string ConfigWriteFailedErrorId = "ConfigWriteFailed";

    /// <summary>
    /// Template names, tier 0 first (tab completion lists what the provider families offer).
    /// Several form one fallback chain in the order given.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TemplateNameCompleter))]
    public string[] Template { get; set; } = Array.Empty<string>();

    /// <summary>The subscription plan (Lite or Pro) of templates that have one, written as <c>quota.plan</c> so Ccr keeps within its windows.</summary>
    /// <remarks>A string, not Core's QuotaPlan: a parameter's type is loaded before the module's resolver can hand Ccr.Core over.</remarks>
    [Parameter]
    [ValidateSet("Lite", "Pro", IgnoreCase = true)]
    public string? Plan { get; set; }

    /// <summary>The key of the first template that takes one; asked for (hidden input) when omitted in an interactive session.</summary>
    [Parameter]
    public SecureString? ApiKey { get; set; }

    /// <summary>Where to write the config. Defaults to <c>$env:CCR_CONFIG</c>, else <c>~/.claude-code-router/config.json</c>.</summary>
    [Parameter(Position = 1)]
    [Alias("ConfigPath")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Replaces an existing config (its content is kept as <c>config.json.bak</c>).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Ends with Test-CcrProvider's online request to each provider, not only its offline checks.</summary>
    [Parameter]
    public SwitchParameter Test { get; set; }

    /// <summary>Writes the config and the keys, then runs Test-CcrProvider on it.</summary>
    protected override void EndProcessing()
    {
        IReadOnlyList<ProviderTemplate> templates;
        try
        {
            templates = ConfigTemplateWriter.Resolve(Template);
        }
        catch (ArgumentException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, UnknownTemplateErrorId, ErrorCategory.InvalidArgument, Template));
            return;
        }

        string path = Path is null ? ConfigPaths.Resolve(null) : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (File.Exists(path) && !Force)
        {
            ThrowTerminatingError(new ErrorRecord(
                new IOException($"{path} already exists and was left as it is. Add -Force to replace it (its content is kept as {System.IO.Path.GetFileName(path)}.bak), or change it with Set-CcrProvider and Set-CcrTier."),
                ConfigExistsErrorId,
                ErrorCategory.ResourceExists,
                path));
        }

        string names = string.Join(", ", templates.Select(t => t.Name));
        if (!ShouldProcess(path, $"Write a config from {names} (tiers: {string.Join(" -> ", templates.Select(t => t.Route))})"))
        {
            return;
        }

        string text = ConfigTemplateWriter.Write(templates, PlanValue);
        string envPath = DotEnvWriter.PathBeside(path);
        Dictionary<string, string> keys = CollectKeys(templates, envPath);
        try
        {
            string? backup = ConfigTemplateWriter.Save(path, text, Force);
            Say($"Wrote {path}" + (backup is null ? "." : $" (the previous one is {backup})."));
            if (keys.Count > 0)
            {
                DotEnvWriter.Set(envPath, keys);
                Say($"Wrote {string.Join(", ", keys.Keys)} to {envPath} (readable by you only).");
            }
        }
        catch (ConfigException ex)
        {
            string id = ex.FirstErrorCode == "ConfigExists" ? ConfigExistsErrorId : ConfigWriteFailedErrorId;
            ThrowTerminatingError(new ErrorRecord(ex, id, id == ConfigExistsErrorId ? ErrorCategory.ResourceExists : ErrorCategory.WriteError, path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(
                new IOException($"The config was written but the keys could not be saved to {envPath}: {ex.Message} Set them in the environment instead, or fix the folder's permissions and run Set-CcrProvider -ApiKey.", ex),
                ConfigWriteFailedErrorId,
                ErrorCategory.WriteError,
                envPath));
        }

        Say($"Start it with: Start-CcrProxy -ConfigPath '{path}'" + (Test ? "" : ". Checking it now (offline; add -Test to send each provider a one-token request):"));
        RunTestCcrProvider(path);
    }

    /// <summary>
    /// One key per variable: <c>-ApiKey</c> for the first template that takes one, then a hidden prompt for each
    /// other unless the environment or the existing .env already has it; without a person to ask, a warning says what to set.
    /// </summary>
    private Dictionary<string, string> CollectKeys(IReadOnlyList<ProviderTemplate> templates, string envPath)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, string> existing = DotEnvFile.Read(envPath);
        bool apiKeyUsed = false;
        foreach (ProviderTemplate template in templates)
        {
            string? variable = template.KeyVariable;
            if (variable is null || keys.ContainsKey(variable))
            {
                continue;
            }

            if (ApiKey is not null && !apiKeyUsed)
            {
                apiKeyUsed = true;
                keys[variable] = SecureStrings.ToPlainText(ApiKey);
                continue;
            }

            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)) || existing.ContainsKey(variable))
            {
                WriteVerbose($"{variable} is already set (environment or {envPath}); not asking for it.");
                continue;
            }

            string? key = Ask(template, variable);
            if (string.IsNullOrEmpty(key))
            {
                WriteWarning($"No key for {template.Name}: set $env:{variable} = '<key>' or add {variable}=<key> to {envPath} ({template.KeyAdvice}). Until then '{template.ProviderName}' is skipped.");
                continue;
            }

            keys[variable] = key;
        }

        return keys;
    }

    private string? Ask(ProviderTemplate template, string variable)
    {
        if (!CcrSession.Interactivity().IsInteractive)
        {
            return null;
        }

        try
        {
            Host.UI.WriteLine(template.Description + ": " + template.KeyAdvice);
            Host.UI.Write($"{variable} (input hidden, Enter to skip): ");
            using SecureString secure = Host.UI.ReadLineAsSecureString();
            return SecureStrings.ToPlainText(secure).Trim();
        }
        catch (Exception ex) when (ex is PSInvalidOperationException or NotImplementedException or HostException)
        {
            // A host without a console (a job, a remoting session without input) cannot ask.
            WriteVerbose($"Cannot ask for {variable} here: {ex.Message}");
            return null;
        }
    }

    private void RunTestCcrProvider(string path)
    {
        // The same cmdlet the user would run, by type, so its checks and words are the ones they will see again.
        using var test = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        test.AddCommand(new CmdletInfo("Test-CcrProvider", typeof(TestCcrProviderCommand))).AddParameter("ConfigPath", path);
        if (!Test)
        {
            test.AddParameter("Offline");
        }

        foreach (PSObject result in test.Invoke())
        {
            WriteObject(result);
        }

        foreach (ErrorRecord error in test.Streams.Error)
        {
            WriteError(error);
        }

        foreach (WarningRecord warning in test.Streams.Warning)
        {
            WriteWarning(warning.Message);
        }
    }

    private void Say(string message) =>
        WriteInformation(new HostInformationMessage { Message = message }, new[] { "PSHOST" });

    private QuotaPlan? PlanValue => Plan is null ? null : Enum.Parse<QuotaPlan>(Plan, ignoreCase: true);
}
