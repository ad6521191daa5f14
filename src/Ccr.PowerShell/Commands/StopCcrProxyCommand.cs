using System.Management.Automation;
using Ccr.Core;
using Ccr.Core.Config;
using Ccr.Core.Server;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Stops a Ccr proxy (in this session, another session or a detached process), letting in-flight streams finish first.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "CcrProxy", SupportsShouldProcess = true)]
[OutputType(typeof(ProxyInfo))]
public sealed class StopCcrProxyCommand : CcrConfigCmdlet
{
    internal const string ProxyNotFoundErrorId = "ProxyNotFound";
    internal const string StopRefusedErrorId = "ProxyStopRefused";
    internal const string StopTimedOutErrorId = "ProxyStopTimedOut";

    /// <summary>The port of the proxy to stop; default every proxy in this session, else the config's PORT.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>How long in-flight requests and streams may take to finish, in seconds.</summary>
    [Parameter]
    [ValidateRange(0, 3600)]
    public int DrainTimeoutSeconds { get; set; } = 10;

    /// <summary>Writes the stopped proxy to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        bool portGiven = MyInvocation.BoundParameters.ContainsKey(nameof(Port));
        var targets = new List<CcrProxy>();
        if (portGiven)
        {
            if (CcrProxy.FindInProcess(Port) is { } proxy)
            {
                targets.Add(proxy);
            }
        }
        else
        {
            targets.AddRange(CcrProxy.InProcess);
        }

        if (targets.Count == 0)
        {
            int port = portGiven ? Port : ConfigPort();
            StopElsewhere(port);
            return;
        }

        foreach (CcrProxy proxy in targets)
        {
            if (!ShouldProcess($"Ccr proxy on port {proxy.Port} (this session)", "Stop"))
            {
                continue;
            }

            ProxyInfo info = ProxyInfo.From(proxy);
            // For every session: the attached ones let it stay stopped instead of taking over.
            proxy.ShutdownAsync(TimeSpan.FromSeconds(DrainTimeoutSeconds)).GetAwaiter().GetResult();
            CcrSession.ForgetProxy(proxy.Port);
            WriteVerbose($"Stopped the Ccr proxy on port {proxy.Port}.");
            if (PassThru)
            {
                WriteObject(info);
            }
        }
    }

    private int ConfigPort()
    {
        ConfigLoadResult loaded = ConfigLoader.Load(ResolveConfigPath(), LoadOptions());
        return loaded.Config?.Port ?? CcrInfo.DefaultPort;
    }

    /// <summary>A proxy in another process: asked to stop through /ccr/shutdown with this user's control token.</summary>
    private void StopElsewhere(int port)
    {
        var client = new ProxyControlClient(port);
        ProxyHealth? health = client.GetHealthAsync(TimeSpan.FromSeconds(3)).GetAwaiter().GetResult();
        if (health is null)
        {
            WriteError(new ErrorRecord(
                new ItemNotFoundException($"No Ccr proxy answers on port {port}. Get-CcrProxy lists the running ones."),
                ProxyNotFoundErrorId,
                ErrorCategory.ObjectNotFound,
                port));
            return;
        }

        ProxyInfo info = ProxyInfo.From(health);
        if (!ShouldProcess($"Ccr proxy on port {port} (pid {health.ProcessId}, {info.Mode})", "Stop"))
        {
            return;
        }

        // Bounded by the drain time the proxy itself allows (10 s) plus slack.
        TimeSpan limit = ProxyControlClient.StopWaitLimit(TimeSpan.FromSeconds(DrainTimeoutSeconds));
        switch (client.StopAndWaitAsync(limit).GetAwaiter().GetResult())
        {
            case ProxyStopOutcome.Stopped:
                CcrSession.ForgetProxy(port);
                WriteVerbose($"Stopped the Ccr proxy on port {port} (pid {health.ProcessId}).");
                if (PassThru)
                {
                    WriteObject(info);
                }

                break;
            case ProxyStopOutcome.Refused:
                WriteError(new ErrorRecord(
                    new UnauthorizedAccessException($"The Ccr proxy on port {port} (pid {health.ProcessId}) refused to stop: its control token in {ConfigPaths.StateFolder} is missing or does not match (another user's proxy, or another CCR_HOME). Stop it from the session or user that started it."),
                    StopRefusedErrorId,
                    ErrorCategory.PermissionDenied,
                    port));
                break;
            default:
                WriteError(new ErrorRecord(
                    new TimeoutException($"The Ccr proxy on port {port} accepted the stop request but still answers after {limit.TotalSeconds} s (long streams still draining?). Check again with Get-CcrProxy -Port {port}."),
                    StopTimedOutErrorId,
                    ErrorCategory.OperationTimeout,
                    port));
                break;
        }
    }
}
