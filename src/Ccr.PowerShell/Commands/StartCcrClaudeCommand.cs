using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Ccr.Core;
using Ccr.Core.ClaudeCode;
using Ccr.Core.Config;
using Ccr.Core.Server;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Runs Claude Code in this console through the Ccr proxy (starting the proxy when none serves), with the router's environment set for that process only.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "CcrClaude", SupportsShouldProcess = true, DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(int), typeof(ClaudeRunInfo))]
public sealed class StartCcrClaudeCommand : CcrConfigCmdlet
{
    internal const string ClaudeNotFoundErrorId = "ClaudeNotFound";
    internal const string ClaudeStartFailedErrorId = "ClaudeStartFailed";

    private const string DefaultSet = "Default";
    private const string PresetSet = "Preset";
    private const string ModelSet = "Model";

    private volatile bool _stopping;

    /// <summary>Routes every request of the Claude Code session to this preset (its base URL ends in <c>/preset/&lt;name&gt;</c>).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PresetSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PresetNameCompleter))]
    public string? Preset { get; set; }

    /// <summary>The model Claude Code asks for, as <c>provider,model</c> (set as ANTHROPIC_MODEL for the child).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ModelSet)]
    [RouteTransformation]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RouteCompleter))]
    public string? Model { get; set; }

    /// <summary>The proxy's port; default the port of this session's proxy for the config, else PORT from the config, else 3456.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>Arguments for claude, passed unchanged; write them after <c>--</c> (e.g. <c>-- -p "hello"</c>).</summary>
    [Parameter(ValueFromRemainingArguments = true)]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public string[] ArgumentList { get; set; } = Array.Empty<string>();

    /// <summary>Writes a ClaudeRunInfo (exit code, base URL, program, duration) instead of the bare exit code.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Finds claude, starts (or finds) the proxy, runs claude in this console and waits for it.</summary>
    protected override void EndProcessing()
    {
        ClaudeExecutable claude = ClaudeLauncher.Find() ?? throw Terminate(new ErrorRecord(
            new CommandNotFoundException("Claude Code ('claude') is not on PATH. " + ClaudeLauncher.InstallAdvice),
            ClaudeNotFoundErrorId,
            ErrorCategory.ObjectNotFound,
            "claude"));
        if (claude.ViaCommandShell)
        {
            WriteWarning($"{claude.FoundAt} is a batch file whose target could not be found, so cmd.exe will parse the arguments: quotes, %, ^ and & in them may be changed. Install Claude Code's native build (claude.exe) to avoid this.");
        }

        string configPath = ResolveConfigPath();
        CcrConfig? planned = ConfigLoader.Load(configPath, LoadOptions()).Config;
        int port = ChoosePort(configPath, planned);

        // With no proxy on the port yet, the proxy about to start serves this config: a -Preset or -Model it does not
        // know is refused now, before a proxy is started for nothing. A proxy already serving is asked after.
        if ((Preset is not null || Model is not null) && planned is not null && PortProbe.IsFree(port))
        {
            CheckPreset(planned, configPath);
            CheckModel(planned, configPath);
        }

        string target = $"{claude.FileName} (ANTHROPIC_BASE_URL http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{PresetSuffix(Preset)})";
        if (!ShouldProcess(target, "Start Claude Code through the Ccr proxy"))
        {
            return;
        }

        ProxyInfo proxy = StartProxy(configPath, port);
        CcrConfig config = LoadConfigOrThrow(proxy.ConfigPath ?? configPath, static _ => false);
        string? presetName = CheckPreset(config, proxy.ConfigPath ?? "the proxy's config");
        CheckModel(config, proxy.ConfigPath ?? "the proxy's config");

        string baseUrl = proxy.BaseUrl.TrimEnd('/') + PresetSuffix(presetName);
        string token = string.IsNullOrEmpty(config.ApiKey) ? StartCcrProxyCommand.PlaceholderToken : config.ApiKey;
        foreach (string warning in ClaudeSettings.FindConflicts(baseUrl))
        {
            WriteWarning(warning);
        }

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY")))
        {
            WriteVerbose("ANTHROPIC_API_KEY is set in this session; it is not passed to claude, so only the proxy's token is used.");
        }

        ProcessStartInfo info = ClaudeLauncher.CreateStartInfo(claude, ArgumentList, new ClaudeEnvironment(baseUrl, token, Model), CurrentFolder());
        WriteVerbose($"Running {claude.FileName} with {ArgumentList.Length.ToString(CultureInfo.InvariantCulture)} argument(s); ANTHROPIC_BASE_URL={baseUrl}{(Model is null ? "" : "; ANTHROPIC_MODEL=" + Model)}.");
        int exitCode = Run(info, out TimeSpan duration);

        // First, before anything that a stopped pipeline (Ctrl+C) would refuse to write.
        SessionState.PSVariable.Set("global:LASTEXITCODE", exitCode);
        if (_stopping)
        {
            return;
        }

        if (PassThru)
        {
            WriteObject(new ClaudeRunInfo { ExitCode = exitCode, BaseUrl = baseUrl, Preset = presetName, Model = Model, Program = claude.FileName, Duration = duration });
        }
        else
        {
            WriteObject(exitCode);
        }
    }

    /// <summary>
    /// Ctrl+C reaches claude directly (it shares this console: on Unix the terminal signals the whole foreground process
    /// group, on Windows every process attached to the console), and claude decides what it means (its first Ctrl+C
    /// only clears the prompt). So the wait is not broken off here: the cmdlet returns when claude exits.
    /// </summary>
    protected override void StopProcessing() => _stopping = true;

    private int Run(ProcessStartInfo info, out TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned no process.");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw Terminate(new ErrorRecord(
                new InvalidOperationException($"Could not start {info.FileName}: {ex.Message} Check that it runs on its own ('{info.FileName} --version'); if not, reinstall it. {ClaudeLauncher.InstallAdvice}", ex),
                ClaudeStartFailedErrorId,
                ErrorCategory.OpenError,
                info.FileName));
        }

        using (process)
        {
            // This is the pipeline thread, not a pool thread: blocking here is what running a native command in the console means.
            process.WaitForExit();
            duration = clock.Elapsed;
            return process.ExitCode;
        }
    }

    /// <summary>Start-CcrProxy itself, run nested in this runspace, so the profile-safe path (find a serving proxy, attach, remember it) is the one and only.</summary>
    private ProxyInfo StartProxy(string configPath, int port)
    {
        using var nested = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        nested.AddCommand(new CmdletInfo("Start-CcrProxy", typeof(StartCcrProxyCommand)))
            .AddParameter(nameof(StartCcrProxyCommand.ConfigPath), configPath)
            .AddParameter(nameof(StartCcrProxyCommand.Port), port)
            .AddParameter(nameof(StartCcrProxyCommand.PassThru))
            .AddParameter("Confirm", false);
        Collection<PSObject> output;
        try
        {
            output = nested.Invoke();
        }
        catch (RuntimeException ex) when (ex.ErrorRecord is not null)
        {
            throw Terminate(ex.ErrorRecord);
        }
        finally
        {
            foreach (WarningRecord warning in nested.Streams.Warning)
            {
                WriteWarning(warning.Message);
            }

            foreach (VerboseRecord verbose in nested.Streams.Verbose)
            {
                WriteVerbose(verbose.Message);
            }
        }

        if (nested.Streams.Error.Count > 0)
        {
            throw Terminate(nested.Streams.Error[0]);
        }

        foreach (PSObject item in output)
        {
            if (item?.BaseObject is ProxyInfo info)
            {
                return info;
            }
        }

        throw Terminate(new ErrorRecord(new InvalidOperationException($"Start-CcrProxy returned no proxy for port {port}; run Start-CcrProxy -Port {port} -Verbose to see why."), ClaudeStartFailedErrorId, ErrorCategory.OpenError, port));
    }

    private int ChoosePort(string configPath, CcrConfig? config)
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Port)))
        {
            return Port;
        }

        if (CcrSession.FindProxyServing(configPath) is { } mine)
        {
            return mine.Port;
        }

        return config?.Port ?? CcrInfo.DefaultPort;
    }

    private string? CheckPreset(CcrConfig config, string configPath)
    {
        if (Preset is null)
        {
            return null;
        }

        PresetConfig? preset = FindPreset(config, Preset);
        if (preset is null)
        {
            throw Terminate(PresetNotFound(Preset, configPath));
        }

        return preset.Name;
    }

    private void CheckModel(CcrConfig config, string configPath)
    {
        if (Model is null)
        {
            return;
        }

        string? problem = !RouteTarget.TryParse(Model, out RouteTarget route)
            ? $"'{Model}' is not a route; write -Model provider,model (e.g. qwen,qwen3-coder-plus)."
            : ConfigReader.DescribeRouteProblem(config, route)?.Message;
        if (problem is not null)
        {
            throw Terminate(new ErrorRecord(new ArgumentException(problem + $" (config {configPath})"), InvalidRouteErrorId, ErrorCategory.InvalidArgument, Model));
        }
    }

    private string? CurrentFolder()
    {
        try
        {
            return SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        }
        catch (PSInvalidOperationException)
        {
            // The current location is not a folder (a registry drive): claude starts in the process's own folder.
            return null;
        }
    }

    private static string PresetSuffix(string? preset) => preset is null ? "" : "/preset/" + Uri.EscapeDataString(preset);

    private PipelineStoppedException Terminate(ErrorRecord record)
    {
        ThrowTerminatingError(record);
        return new PipelineStoppedException();
    }
}
