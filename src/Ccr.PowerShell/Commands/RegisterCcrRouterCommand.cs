using System.Globalization;
using System.Management.Automation;
using Ccr.Core.Routing;
using Ccr.Core.Server;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Installs a script block as the custom router of the Ccr proxy running in this session.</para>
/// <para type="description">The script block is given each request that does not name its own provider,model and returns "provider,model", a preset name or $null. It runs on the proxy's own runspaces, without this session's variables; it takes precedence over CUSTOM_ROUTER_PATH until Unregister-CcrRouter.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "CcrRouter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class RegisterCcrRouterCommand : PSCmdlet
{
    internal const string NoProxyErrorId = "NoProxyInSession";
    internal const string ScriptInvalidErrorId = "RouterScriptInvalid";

    /// <summary>The router: <c>{ param($Request) ... }</c>, returning "provider,model", a preset name or $null.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public ScriptBlock ScriptBlock { get; set; } = null!;

    /// <summary>The port of the proxy in this session; default the session's proxy (the one Start-CcrProxy started here).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        CcrProxy proxy = FindSessionProxy(this, MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : null);
        if (!ShouldProcess(proxy.BaseUrl.ToString(), "Register a custom router script block"))
        {
            return;
        }

        try
        {
            // The pipeline thread waits while the script's runspaces open: once this returns, the next request goes through it.
            proxy.RegisterCustomRouterAsync(ScriptBlock.ToString(), "Register-CcrRouter").GetAwaiter().GetResult();
        }
        catch (CustomRouterScriptException e)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(e.Message + " The router in use (if any) stays.", nameof(ScriptBlock), e),
                ScriptInvalidErrorId, ErrorCategory.InvalidArgument, ScriptBlock));
        }

        WriteVerbose(string.Create(CultureInfo.InvariantCulture,
            $"The proxy on {proxy.BaseUrl} now asks this script block where each request goes (within CUSTOM_ROUTER_TIMEOUT_MS); Unregister-CcrRouter removes it."));
    }

    /// <summary>The proxy this process runs on <paramref name="port"/>, or the session's; a terminating error says what to do when there is none.</summary>
    internal static CcrProxy FindSessionProxy(PSCmdlet cmdlet, int? port)
    {
        CcrProxy? proxy = port is int wanted
            ? CcrProxy.FindInProcess(wanted)
            : (CcrSession.ProxyConfigPath is string config ? CcrSession.FindProxyServing(config) : null) ?? Only(CcrProxy.InProcess);
        if (proxy is not null)
        {
            return proxy;
        }

        string where = port is int p ? "on port " + p.ToString(CultureInfo.InvariantCulture) + " " : "";
        cmdlet.ThrowTerminatingError(new ErrorRecord(
            new InvalidOperationException("No Ccr proxy runs " + where + "in this session. A router script block runs inside the proxy's process, so start one here with Start-CcrProxy (not -Detached; a detached proxy or another session's reads CUSTOM_ROUTER_PATH from its config instead)."),
            NoProxyErrorId,
            ErrorCategory.ResourceUnavailable,
            port));
        throw new InvalidOperationException("unreachable");
    }

    private static CcrProxy? Only(IReadOnlyList<CcrProxy> proxies) => proxies.Count == 1 ? proxies[0] : null;
}
