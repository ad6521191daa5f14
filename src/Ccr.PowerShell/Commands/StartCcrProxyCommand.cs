using System.Globalization;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using Ccr.Core;
using Ccr.Core.ClaudeCode;
using Ccr.Core.Config;
using Ccr.Core.Server;
using Ccr.PowerShell.Routing;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Starts the Ccr proxy inside this session (or, with -Detached, in its own process) and returns at once.</para>
/// Safe in a profile: when a Ccr proxy already serves the port (this session, another session or a
/// detached process) that proxy is returned instead of failing.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "CcrProxy", SupportsShouldProcess = true)]
[OutputType(typeof(ProxyInfo))]
public sealed class StartCcrProxyCommand : CcrConfigCmdlet
{
    internal const string PortInUseErrorId = "PortInUse";
    internal const string NonLoopbackErrorId = "NonLoopbackWithoutApiKey";
    internal const string DetachedStartFailedErrorId = "DetachedStartFailed";

    /// <summary>Claude Code needs some token or it asks to log in; the proxy ignores it when APIKEY is not set.</summary>
    internal const string PlaceholderToken = "ccr";

    private static readonly TimeSpan s_detachedStartTimeout = TimeSpan.FromSeconds(20);
    private static readonly Dictionary<int, ProxyAttachment> s_attachments = new();
    private static int s_exitHookInstalled;
    private static PosixSignalRegistration[]? s_signalHooks;

    private readonly CancellationTokenSource _cancel = new();

    /// <summary>The port to serve; default PORT from the config, else 3456.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>Runs the proxy in its own pwsh process that outlives this session.</summary>
    [Parameter]
    public SwitchParameter Detached { get; set; }

    /// <summary>Sets ANTHROPIC_BASE_URL (and ANTHROPIC_AUTH_TOKEN) in this session so Claude Code uses the proxy.</summary>
    [Parameter]
    public SwitchParameter SetEnvironment { get; set; }

    /// <summary>Writes the proxy object to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Internal: the body of a detached proxy process; serves until stopped.</summary>
    [Parameter(DontShow = true)]
    public SwitchParameter DetachedChild { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string configPath = ResolveConfigPath();
        ConfigLoadResult loaded = ConfigLoader.Load(configPath, LoadOptions());
        int port = MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : loaded.Config?.Port ?? CcrInfo.DefaultPort;

        if (DetachedChild)
        {
            RunDetachedChild(configPath, port);
            return;
        }

        CcrProxy? running = CcrProxy.FindInProcess(port);
        if (running is not null)
        {
            WriteVerbose($"A Ccr proxy already runs in this session on port {port}; returning it.");
            KeepAttached(port, running.ConfigPath ?? configPath, running);
            Finish(ProxyInfo.From(running), loaded.Config);
            return;
        }

        // A free port (the usual case in a profile) is seen by a bind test, without paying for an HTTP client.
        ProxyHealth? other = IsPortFree(port) ? null : ProbeHealth(port, TimeSpan.FromSeconds(2));
        if (other is not null)
        {
            UseOther(other, port, configPath, loaded.Config);
            return;
        }

        if (loaded.Config is null)
        {
            ThrowTerminatingError(ErrorFor(new ConfigException(loaded.Diagnostics), configPath));
        }

        string mode = ProxyModeText.Of(Detached ? ProxyMode.Detached : ProxyMode.Session);
        if (!ShouldProcess($"http://127.0.0.1:{port}/ serving {configPath} ({mode})", "Start Ccr proxy"))
        {
            return;
        }

        if (Detached)
        {
            if (!IsPortFree(port))
            {
                // Bound since the check above: by a Ccr proxy starting at this moment, or by some other program.
                if (ProbeHealth(port, TimeSpan.FromSeconds(3)) is { } justStarted)
                {
                    UseOther(justStarted, port, configPath, loaded.Config);
                    return;
                }

                ThrowTerminatingError(PortInUse(port, configPath, null));
            }

            Finish(StartDetached(configPath, port), loaded.Config);
            return;
        }

        CcrProxy? proxy = StartInSession(configPath, port, ProxyMode.Session, out ProxyHealth? winner);
        if (proxy is null)
        {
            UseOther(winner!, port, configPath, loaded.Config);
            return;
        }

        WarnAboutPersistence(loaded, proxy);
        KeepAttached(port, configPath, proxy);
        WriteVerbose($"Ccr proxy listening on {proxy.BaseUrl} (config {configPath}).");
        Finish(ProxyInfo.From(proxy), loaded.Config);
    }

    /// <summary>A Ccr proxy in another process (or another session of this one) serves the port: this session uses it and attaches.</summary>
    private void UseOther(ProxyHealth other, int port, string configPath, CcrConfig? config)
    {
        WriteVerbose($"A Ccr proxy (pid {other.ProcessId}, {ProxyModeText.Of(other.Mode ?? ProxyMode.Detached)}) already serves port {port}; returning it.");
        if (other.ConfigPath is not null && !CcrSession.SamePath(other.ConfigPath, configPath))
        {
            WriteWarning($"The Ccr proxy on port {port} serves {other.ConfigPath}, not {configPath}. Stop it (Stop-CcrProxy -Port {port}) or pick another port to serve this config.");
        }

        // Should its process go away, this session takes over the port with the config it served.
        KeepAttached(port, other.ConfigPath ?? configPath, null);
        Finish(ProxyInfo.From(other), config);
    }

    /// <summary>
    /// Redis mode: a bad Persistence block, or a Redis that refuses the password or cannot be reached, is said here once
    /// (the proxy routes on the local store either way). The first connection attempt is waited for, briefly: this is the
    /// pipeline thread, not a pool thread, and a refused connection answers in milliseconds.
    /// </summary>
    private void WarnAboutPersistence(ConfigLoadResult loaded, CcrProxy proxy)
    {
        foreach (ConfigDiagnostic diagnostic in loaded.Diagnostics)
        {
            if (diagnostic.Code is "InvalidRedisUrl" or "InvalidPersistence")
            {
                WriteWarning(diagnostic.ToString());
            }
        }

        Task settled = proxy.Engine.Shared.WhenSettledAsync();
        if (settled.IsCompleted || settled.Wait(TimeSpan.FromSeconds(3)))
        {
            Ccr.Core.Persistence.PersistenceStatus status = proxy.Engine.Shared.Status;
            if (status.State == Ccr.Core.Persistence.PersistenceState.Unreachable)
            {
                WriteWarning("Persistence: " + status.Describe() + ". Quota, usage and cooldowns are counted on this machine only until Redis answers; Get-CcrProxy shows when it does.");
            }
        }
    }

    /// <summary>Ctrl+C in a detached child (or while waiting for one to start).</summary>
    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>
    /// Starts the proxy in this process. Null when a Ccr proxy in another process bound the port first
    /// (<paramref name="winner"/> says which): terminals restored together run their profiles at the same moment,
    /// and each must end up using the one proxy instead of all but one failing with PortInUse.
    /// </summary>
    private CcrProxy? StartInSession(string configPath, int port, ProxyMode mode, out ProxyHealth? winner)
    {
        winner = null;
        CcrProxy proxy;
        try
        {
            proxy = CcrProxy.Start(new CcrProxyOptions { ConfigPath = configPath, Port = port, Mode = mode, CustomRouterCompiler = RouterScriptCompiler.Compile });
        }
        catch (ProxyStartException e) when (e.Failure == ProxyStartFailure.PortInUse)
        {
            // The winner binds before it answers /health by no more than the start of its accept loop; a few seconds
            // cover a loaded machine, and a port held by some other program answers no health check at all.
            winner = ProbeHealth(port, TimeSpan.FromSeconds(3));
            if (winner is not null)
            {
                // Another runspace of this process won: its proxy object is this session's to return.
                return CcrProxy.FindInProcess(port);
            }

            ThrowTerminatingError(PortInUse(port, configPath, e));
            throw;
        }
        catch (ProxyStartException e) when (e.Failure == ProxyStartFailure.ConfigInvalid)
        {
            ThrowTerminatingError(new ErrorRecord(e, ConfigInvalidErrorId, ErrorCategory.InvalidData, configPath));
            throw;
        }
        catch (ProxyStartException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, NonLoopbackErrorId, ErrorCategory.SecurityError, configPath));
            throw;
        }

        WaitForCustomRouter(proxy);
        if (mode == ProxyMode.Detached)
        {
            // A detached child serves until stopped; a session's proxy is stopped by its attachment instead.
            ModuleLifetime.Register(() => proxy.StopAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult());
            InstallExitHooks();
        }

        return proxy;
    }

    /// <summary>
    /// Waits (on this pipeline thread, never a thread-pool one) until the config's CUSTOM_ROUTER_PATH script has loaded or been
    /// refused, so the first request after Start-CcrProxy already goes through it. Opening its runspaces takes a moment; a
    /// slow machine gets a bound, after which requests route without the script until it is ready.
    /// </summary>
    private void WaitForCustomRouter(CcrProxy proxy)
    {
        Task loaded = proxy.CustomRouterLoaded;
        if (!loaded.IsCompleted && !loaded.Wait(TimeSpan.FromSeconds(30), _cancel.Token))
        {
            WriteWarning("The custom router script is still loading; requests use Ccr's own routing until it is ready.");
        }
        else if (proxy.CustomRouterLoadError is string refused)
        {
            WriteWarning(refused + " Requests use Ccr's own routing until the file is fixed; saving it reloads it.");
        }
    }

    /// <summary>
    /// Makes this session one of those the proxy on <paramref name="port"/> serves: when the serving process goes
    /// away this session may take the port over, and when this session ends it hands the port on (see ProxyAttachment).
    /// </summary>
    private static void KeepAttached(int port, string configPath, CcrProxy? serving)
    {
        lock (s_attachments)
        {
            if (s_attachments.TryGetValue(port, out ProxyAttachment? existing) && existing.IsAttached)
            {
                return;
            }

            // A session that takes the port over runs CUSTOM_ROUTER_PATH as the first one did.
            ProxyAttachment attachment = ProxyAttachment.Attach(new CcrProxyOptions { ConfigPath = configPath, Port = port, Mode = ProxyMode.Session, CustomRouterCompiler = RouterScriptCompiler.Compile }, serving);
            s_attachments[port] = attachment;
            ModuleLifetime.Register(() =>
            {
                lock (s_attachments)
                {
                    if (s_attachments.TryGetValue(port, out ProxyAttachment? current) && ReferenceEquals(current, attachment))
                    {
                        s_attachments.Remove(port);
                    }
                }

                attachment.LeaveAsync(ProxyAttachment.DefaultDrain).GetAwaiter().GetResult();
            });
        }

        InstallExitHooks();
    }

    /// <summary>
    /// Runs the module's cleanup (handing the port on, draining in-flight requests) however the session ends.
    /// <c>exit</c>, the end of <c>pwsh -Command</c> and SIGTERM raise ProcessExit. A closed terminal does not:
    /// on Unix it sends SIGHUP, whose default action kills the process without ProcessExit; on Windows closing
    /// the console window sends CTRL_CLOSE_EVENT (which .NET maps to SIGHUP) and kills the process about 5 s
    /// later, so the drain bound stays below that. The handlers do not cancel the signal: the process still ends.
    /// Module removal runs the same cleanup through OnRemove.
    /// </summary>
    private static void InstallExitHooks()
    {
        if (Interlocked.Exchange(ref s_exitHookInstalled, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => ModuleLifetime.RunCleanup();
        s_signalHooks = new[]
        {
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => ModuleLifetime.RunCleanup()),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => ModuleLifetime.RunCleanup()),
        };
    }

    private void RunDetachedChild(string configPath, int port)
    {
        // First of all: out of the terminal's session, so closing it or Ctrl+C there does not stop the proxy (see DetachedLauncher).
        if (DetachedLauncher.DetachFromTerminal() is string notDetached)
        {
            WriteWarning(notDetached);
        }

        CcrProxy? proxy = StartInSession(configPath, port, ProxyMode.Detached, out ProxyHealth? winner);
        if (proxy is null)
        {
            // Another proxy bound the port a moment before this one: it serves, and the launcher's health check finds it.
            WriteWarning($"A Ccr proxy (pid {winner!.ProcessId}) started on port {port} at the same moment; this detached process leaves it to serve.");
            return;
        }

        try
        {
            // Blocks this process until Stop-CcrProxy (from any session) or Ctrl+C.
            proxy.Completion.Wait(_cancel.Token);
        }
        catch (OperationCanceledException)
        {
            proxy.StopAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        }
    }

    private ProxyInfo StartDetached(string configPath, int port)
    {
        // The home folder, not the config's: a process's working directory cannot be deleted or renamed on Windows.
        string logPath = Path.Combine(ConfigPaths.LogFolder, "detached-" + port.ToString(CultureInfo.InvariantCulture) + ".log");
        var launcher = new DetachedLauncher(DetachedCommand(configPath, port, logPath), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), logPath);
        WriteVerbose($"Starting a detached proxy: {launcher.CommandLine}");
        DetachedLaunchResult launched = launcher.LaunchAsync(port, s_detachedStartTimeout, _cancel.Token).GetAwaiter().GetResult();
        if (launched.Health is { } health)
        {
            WriteVerbose($"Detached Ccr proxy (pid {health.ProcessId}) listening on port {port}.");
            return ProxyInfo.From(health);
        }

        string output = launched.Output;
        ThrowTerminatingError(new ErrorRecord(
            new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"The detached proxy did not answer on port {port} within {s_detachedStartTimeout.TotalSeconds} s.{(output.Length > 0 ? " Its output: " + output : "")} Run Start-CcrProxy without -Detached to see the error in this session.")),
            DetachedStartFailedErrorId,
            ErrorCategory.OpenError,
            port));
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>The same pwsh, importing this very module, running the hidden -DetachedChild body with all its output in <paramref name="logPath"/>.</summary>
    private static List<string> DetachedCommand(string configPath, int port, string logPath)
    {
        string processPath = Environment.ProcessPath ?? "pwsh";
        var command = new List<string> { processPath };
        if (string.Equals(Path.GetFileNameWithoutExtension(processPath), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            // pwsh runs as a dotnet tool: the muxer needs the entry assembly (pwsh.dll) to run it again.
            command.Add(Assembly.GetEntryAssembly()?.Location ?? "pwsh");
        }

        string manifest = Path.Combine(Path.GetDirectoryName(typeof(StartCcrProxyCommand).Assembly.Location) ?? ".", "Ccr.psd1");
        command.Add("-NoProfile");
        command.Add("-NonInteractive");
        command.Add("-Command");
        command.Add(string.Create(CultureInfo.InvariantCulture,
            $"& {{ Import-Module {Quote(manifest)}; Start-CcrProxy -DetachedChild -Port {port} -ConfigPath {Quote(configPath)} }} *> {Quote(logPath)}"));
        return command;
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static bool IsPortFree(int port) => PortProbe.IsFree(port);

    /// <summary>The Ccr proxy serving <paramref name="port"/>, or null when what holds it is not one (or nothing does).</summary>
    private static ProxyHealth? ProbeHealth(int port, TimeSpan timeout) => new ProxyControlClient(port).GetHealthAsync(timeout).GetAwaiter().GetResult();

    private static ErrorRecord PortInUse(int port, string configPath, Exception? inner) => new(
        inner ?? new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"Port {port} is already in use by another program (not a Ccr proxy). Pick another with Start-CcrProxy -Port <n> (and point ANTHROPIC_BASE_URL at it), or set PORT in {configPath}.")),
        PortInUseErrorId,
        ErrorCategory.ResourceUnavailable,
        port);

    private void Finish(ProxyInfo info, CcrConfig? config)
    {
        // From now on this proxy's config is the default of every cmdlet in this session.
        CcrSession.RememberProxy(info.Port, info.ConfigPath, info.InThisSession);
        if (SetEnvironment)
        {
            ApplyEnvironment(info, config);
        }

        if (PassThru)
        {
            WriteObject(info);
        }
    }

    private void ApplyEnvironment(ProxyInfo info, CcrConfig? config)
    {
        if (!ShouldProcess("ANTHROPIC_BASE_URL and ANTHROPIC_AUTH_TOKEN in this session", "Set to " + info.BaseUrl))
        {
            return;
        }

        Environment.SetEnvironmentVariable("ANTHROPIC_BASE_URL", info.BaseUrl);
        string? apiKey = config?.ApiKey;
        Environment.SetEnvironmentVariable("ANTHROPIC_AUTH_TOKEN", string.IsNullOrEmpty(apiKey) ? PlaceholderToken : apiKey);
        WriteVerbose(string.IsNullOrEmpty(apiKey)
            ? $"ANTHROPIC_BASE_URL={info.BaseUrl}; ANTHROPIC_AUTH_TOKEN={PlaceholderToken} (a placeholder: the proxy has no APIKEY, and Claude Code needs some token so it does not ask to log in)."
            : $"ANTHROPIC_BASE_URL={info.BaseUrl}; ANTHROPIC_AUTH_TOKEN set to the config's APIKEY.");

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY")))
        {
            WriteWarning("ANTHROPIC_API_KEY is also set. Claude Code then sees two credentials and may use the API key instead of the proxy's token; remove it for this session with Remove-Item Env:ANTHROPIC_API_KEY.");
        }

        foreach (string warning in ClaudeSettings.FindConflicts(info.BaseUrl))
        {
            WriteWarning(warning);
        }
    }
}
