using System.Management.Automation;
using Ccr.Core;
using Ccr.Core.Config;
using Ccr.Core.Server;
using Ccr.PowerShell.Model;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Starts the Ccr proxy inside this session and returns at once.</para>
/// Safe in a profile: when a Ccr proxy already serves the port (this session, another session or a
/// detached process) that proxy is returned instead of failing.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "CcrProxy", SupportsShouldProcess = true)]
[OutputType(typeof(ProxyInfo))]
public sealed class StartCcrProxyCommand : PSCmdlet
{
    internal const string PortInUseErrorId = "PortInUse";
    internal const string ConfigInvalidErrorId = "ConfigInvalid";
    internal const string NonLoopbackErrorId = "NonLoopbackWithoutApiKey";

    private static int s_exitHookInstalled;

    /// <summary>The port to serve; default PORT from the config, else 3456.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>The config file; default CCR_CONFIG, else ~/.claude-code-router/config.json.</summary>
    [Parameter]
    public string? ConfigPath { get; set; }

    /// <summary>Writes the proxy object to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string configPath = ConfigPaths.Resolve(ConfigPath is null ? null : GetUnresolvedProviderPathFromPSPath(ConfigPath));
        int port = MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : PortFromConfig(configPath);

        CcrProxy? running = CcrProxy.FindInProcess(port);
        if (running is not null)
        {
            WriteVerbose($"A Ccr proxy already runs in this session on port {port}; returning it.");
            Emit(ProxyInfo.From(running));
            return;
        }

        if (!ShouldProcess($"http://127.0.0.1:{port}/ serving {configPath}", "Start Ccr proxy"))
        {
            return;
        }

        CcrProxy proxy;
        try
        {
            proxy = CcrProxy.Start(new CcrProxyOptions
            {
                ConfigPath = configPath,
                Port = port,
            });
        }
        catch (ProxyStartException e) when (e.Failure == ProxyStartFailure.PortInUse)
        {
            ProxyHealth? other = ProxyProbe.GetHealthAsync(port, TimeSpan.FromSeconds(3)).GetAwaiter().GetResult();
            if (other is { IsCcr: true })
            {
                WriteVerbose($"A Ccr proxy (pid {other.ProcessId}, {other.Mode}) already serves port {port}; returning it.");
                Emit(ProxyInfo.From(other));
                return;
            }

            ThrowTerminatingError(new ErrorRecord(e, PortInUseErrorId, ErrorCategory.ResourceUnavailable, port));
            return;
        }
        catch (ProxyStartException e) when (e.Failure == ProxyStartFailure.ConfigInvalid)
        {
            ThrowTerminatingError(new ErrorRecord(e, ConfigInvalidErrorId, ErrorCategory.InvalidData, configPath));
            return;
        }
        catch (ProxyStartException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, NonLoopbackErrorId, ErrorCategory.SecurityError, configPath));
            return;
        }

        // The proxy lives on thread-pool threads; it must not outlive the module or the process.
        ModuleLifetime.Register(() => proxy.StopAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult());
        if (Interlocked.Exchange(ref s_exitHookInstalled, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => ModuleLifetime.RunCleanup();
        }

        WriteVerbose($"Ccr proxy listening on {proxy.BaseUrl} (config {configPath}).");
        Emit(ProxyInfo.From(proxy));
    }

    private void Emit(ProxyInfo info)
    {
        if (PassThru)
        {
            WriteObject(info);
        }
    }

    private static int PortFromConfig(string configPath)
    {
        ConfigLoadResult loaded = ConfigLoader.Load(configPath);
        return loaded.Config?.Port ?? CcrInfo.DefaultPort;
    }
}
