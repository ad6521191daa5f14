using System.Management.Automation;
using Ccr.Core.Server;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Removes the script block Register-CcrRouter installed in this session's Ccr proxy.</para>
/// <para type="description">Requests go back to the CUSTOM_ROUTER_PATH script of the config, if it names one, else to Ccr's own routing.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Unregister, "CcrRouter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class UnregisterCcrRouterCommand : PSCmdlet
{
    /// <summary>The port of the proxy in this session; default the session's proxy.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        CcrProxy proxy = RegisterCcrRouterCommand.FindSessionProxy(this, MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : null);
        if (!ShouldProcess(proxy.BaseUrl.ToString(), "Unregister the custom router script block"))
        {
            return;
        }

        bool removed = proxy.UnregisterCustomRouterAsync().GetAwaiter().GetResult();
        WriteVerbose(removed
            ? "Removed the registered router; requests go to the CUSTOM_ROUTER_PATH script, if the config names one, else to Ccr's own routing."
            : "No router script block was registered for the proxy on " + proxy.BaseUrl + "; nothing to remove.");
    }
}
