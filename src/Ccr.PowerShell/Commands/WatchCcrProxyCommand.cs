using System.Globalization;
using System.Management.Automation;
using Ccr.Core;
using Ccr.Core.Config;
using Ccr.Core.Dashboard;
using Ccr.Core.Server;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Shows a live dashboard of a running Ccr proxy: tiers and their state, quota windows, traffic and the last routing decisions.</para>
/// </summary>
[Cmdlet(VerbsCommon.Watch, "CcrProxy")]
[OutputType(typeof(string))]
public sealed class WatchCcrProxyCommand : CcrConfigCmdlet
{
    /// <summary>The proxy is not answering on the port asked.</summary>
    internal const string ProxyNotRunningErrorId = "ProxyNotRunning";

    /// <summary>Width of the one-off snapshot when there is no terminal to ask.</summary>
    private const int SnapshotWidth = 120;

    private readonly CancellationTokenSource _cancel = new();

    /// <summary>The port of the proxy to watch; default the proxy this session started, else the config's PORT (3456).</summary>
    [Parameter(Position = 0)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>Seconds between reads of the proxy (0.25 to 60; default 1).</summary>
    [Parameter]
    [ValidateRange(0.25, 60.0)]
    public double RefreshSeconds { get; set; } = 1;

    /// <summary>Draws until q, Esc or Ctrl+C; prints one snapshot when the host is not an interactive terminal.</summary>
    protected override void EndProcessing()
    {
        (int port, string? apiKey) = Target();
        var client = new ProxyControlClient(port, apiKey);
        if (client.GetHealthAsync(TimeSpan.FromSeconds(2), _cancel.Token).GetAwaiter().GetResult() is null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"No Ccr proxy answers on 127.0.0.1:{port}. Start one with Start-CcrProxy, or give -Port for the one you run (Get-CcrProxy lists them).")),
                ProxyNotRunningErrorId,
                ErrorCategory.ResourceUnavailable,
                port));
        }

        var feed = new DashboardFeed(client);

        // Only hosts that run in this process's terminal (pwsh's console host; the VS Code extension's, which draws in its
        // integrated terminal) hand it over; other hosts, remoting and redirected output get one snapshot on the pipeline
        // instead, so `Watch-CcrProxy > file` and CI logs read well.
        if (Host.Name is not ("ConsoleHost" or "Visual Studio Code Host") || !DashboardTerminal.IsTerminal)
        {
            DashboardSnapshot snapshot = feed.ReadAsync(_cancel.Token).GetAwaiter().GetResult();
            WriteObject(DashboardView.RenderText(snapshot, DashboardTerminal.Width(SnapshotWidth), TimeZoneInfo.Local, unicode: false));
            return;
        }

        WriteVerbose(string.Create(CultureInfo.InvariantCulture, $"Watching the Ccr proxy on 127.0.0.1:{port}; q, Esc or Ctrl+C leaves."));
        DashboardTerminal.Run(feed, TimeSpan.FromSeconds(RefreshSeconds), _cancel.Token);
    }

    /// <summary>Ends the view from another thread (the host stopping the pipeline).</summary>
    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>The port to watch and the APIKEY to send: -Port, else the session's proxy, else the config's PORT.</summary>
    private (int Port, string? ApiKey) Target()
    {
        string path = ResolveConfigPath();
        bool portGiven = MyInvocation.BoundParameters.ContainsKey(nameof(Port));

        // Without a config file the default port is watched with no key: a proxy without APIKEY needs none, and one with it
        // answers 401, which the view turns into which -ConfigPath to give. A config that exists but is broken stops here.
        CcrConfig? config = File.Exists(path) ? LoadConfigOrThrow(path, static finding => finding.Code != "KeyMissing") : null;

        int port = portGiven ? Port : CcrSession.ProxyPort ?? config?.Port ?? CcrInfo.DefaultPort;
        return (port, config?.ApiKey);
    }
}
