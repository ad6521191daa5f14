using System.Management.Automation;
using Ccr.Core.Server;
using Ccr.PowerShell.Model;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Stops a Ccr proxy, letting in-flight streams finish first.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "CcrProxy", SupportsShouldProcess = true)]
[OutputType(typeof(ProxyInfo))]
public sealed class StopCcrProxyCommand : PSCmdlet
{
    internal const string ProxyNotFoundErrorId = "ProxyNotFound";

    /// <summary>The port of the proxy to stop; default every proxy running in this session.</summary>
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
            CcrProxy? proxy = CcrProxy.FindInProcess(Port);
            if (proxy is not null)
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
            string what = portGiven ? $"on port {Port}" : "in this session";
            WriteError(new ErrorRecord(
                new InvalidOperationException($"No Ccr proxy runs {what}. Get-CcrProxy lists the running ones."),
                ProxyNotFoundErrorId,
                ErrorCategory.ObjectNotFound,
                portGiven ? Port : null));
            return;
        }

        foreach (CcrProxy proxy in targets)
        {
            if (!ShouldProcess($"Ccr proxy on port {proxy.Port}", "Stop"))
            {
                continue;
            }

            ProxyInfo info = ProxyInfo.From(proxy);
            proxy.StopAsync(TimeSpan.FromSeconds(DrainTimeoutSeconds)).GetAwaiter().GetResult();
            WriteVerbose($"Stopped the Ccr proxy on port {proxy.Port}.");
            if (PassThru)
            {
                WriteObject(info);
            }
        }
    }
}
