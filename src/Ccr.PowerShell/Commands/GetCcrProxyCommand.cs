using System.Management.Automation;
using Ccr.Core;
using Ccr.Core.Config;
using Ccr.Core.Server;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Lists running Ccr proxies: this session's, and the one on the config's port (or the given ports) in any process.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "CcrProxy")]
[OutputType(typeof(ProxyInfo))]
public sealed class GetCcrProxyCommand : CcrConfigCmdlet
{
    internal const string ProxyNotFoundErrorId = "ProxyNotFound";

    /// <summary>Ports to ask; default this session's proxies and the config's PORT.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int[]? Port { get; set; }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        var seen = new HashSet<int>();
        if (Port is null)
        {
            foreach (CcrProxy proxy in CcrProxy.InProcess)
            {
                seen.Add(proxy.Port);
                WriteObject(ProxyInfo.From(proxy));
            }

            ConfigLoadResult loaded = ConfigLoader.Load(ResolveConfigPath(), LoadOptions());
            int configPort = loaded.Config?.Port ?? CcrInfo.DefaultPort;
            if (seen.Add(configPort) && Probe(configPort) is { } other)
            {
                WriteObject(ProxyInfo.From(other));
            }

            return;
        }

        foreach (int port in Port)
        {
            if (!seen.Add(port))
            {
                continue;
            }

            if (CcrProxy.FindInProcess(port) is { } local)
            {
                WriteObject(ProxyInfo.From(local));
            }
            else if (Probe(port) is { } other)
            {
                WriteObject(ProxyInfo.From(other));
            }
            else
            {
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"No Ccr proxy answers on port {port}. Start one with Start-CcrProxy -Port {port}."),
                    ProxyNotFoundErrorId,
                    ErrorCategory.ObjectNotFound,
                    port));
            }
        }
    }

    private static ProxyHealth? Probe(int port) =>
        new ProxyControlClient(port).GetHealthAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
}
