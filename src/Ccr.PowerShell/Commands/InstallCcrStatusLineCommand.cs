using System.Management.Automation;
using Ccr.Core;
using Ccr.Core.ClaudeCode;
using Ccr.Core.Config;
using Ccr.Core.Server;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Shows the routed model, fallback and quota in Claude Code's status line.</para>
/// <para type="description">Writes a statusLine command (curl posting Claude Code's status JSON to the proxy's /ccr/statusline) into ~/.claude/settings.json or ./.claude/settings.json, changing nothing else in the file.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "CcrStatusLine", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(StatusLineInfo))]
public sealed class InstallCcrStatusLineCommand : PSCmdlet
{
    /// <summary>The proxy's port. Default: this session's proxy, else the config's PORT, else 3456.</summary>
    [Parameter(Position = 0)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>User (every project) or Project (the current folder's .claude/settings.json).</summary>
    [Parameter]
    [ValidateSet("User", "Project")]
    public string Scope { get; set; } = "User";

    /// <summary>Writes a StatusLineInfo for the installed command.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        StatusLineScope scope = StatusLineCmdlets.ParseScope(Scope);
        string settings = StatusLineCmdlets.SettingsPath(this, scope);
        (int proxyPort, CcrConfig? config) = SessionProxy();
        int port = MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : proxyPort;

        // The key itself never goes into settings.json: the command reads it from Claude Code's environment.
        bool sendKey = !string.IsNullOrEmpty(config?.ApiKey);
        string command = StatusLineCommand.For(port, OperatingSystem.IsWindows(), sendKey, color: string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));

        StatusLineEdit planned = StatusLineCmdlets.Edit(this, () => StatusLineInstaller.Install(settings, command, dryRun: true), settings);
        string? replaced = StatusLineCommand.IsOurs(planned.PreviousCommand) ? null : planned.PreviousCommand;
        if (planned.Outcome == StatusLineEditOutcome.Unchanged)
        {
            WriteVerbose($"{settings} already has Ccr's status line for port {port}.");
        }
        else
        {
            string action = replaced is null ? "Set statusLine to Ccr's (port " + port + ")" : "Replace statusLine '" + replaced + "' with Ccr's (port " + port + ")";
            if (!ShouldProcess(settings, action))
            {
                return;
            }

            StatusLineEdit done = StatusLineCmdlets.Edit(this, () => StatusLineInstaller.Install(settings, command), settings);
            if (replaced is not null)
            {
                WriteWarning($"Replaced the status line '{replaced}' in {settings}; the previous file is {settings}.bak.");
            }

            WriteVerbose($"Wrote Ccr's status line to {done.SettingsPath}; Claude Code shows it after its next message.");
        }

        if (PassThru)
        {
            WriteObject(new StatusLineInfo { Scope = Scope, SettingsPath = planned.SettingsPath, Port = port, Command = command, ReplacedCommand = replaced });
        }
    }

    /// <summary>This session's proxy (its port and config), else the default config file's PORT (3456 when it has none).</summary>
    private static (int Port, CcrConfig? Config) SessionProxy()
    {
        IReadOnlyList<CcrProxy> running = CcrProxy.InProcess;
        if (running.Count > 0)
        {
            return (running[0].Port, running[0].Engine.Snapshot.Config);
        }

        CcrConfig? config = ConfigLoader.Load(ConfigPaths.Resolve(null), new ConfigLoadOptions()).Config;
        return (config?.Port ?? CcrInfo.DefaultPort, config);
    }
}
