using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Net.Sockets;
using FakeUpstream;

namespace Ccr.PowerShell.Tests;

/// <summary>
/// Watch-CcrProxy in a runspace, which is not a console host: one text snapshot on the pipeline, the proxy it picks,
/// and the error when none answers. The live terminal view is driven in tmux by tests/pester/Dashboard.Tests.ps1.
/// </summary>
public sealed class WatchCcrProxyTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ccr-ps-watch-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly FakeUpstreamServer _upstream = FakeUpstreamServer.Start();
    private readonly System.Management.Automation.PowerShell _ps = System.Management.Automation.PowerShell.Create(RunspaceMode.NewRunspace);
    private readonly int _port = FreePort();

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        string config = Path.Combine(_folder, "config.json");
        File.WriteAllText(config, $$"""
            {
                "APIKEY": "watch-test-key",
                "Providers": [
                    { "name": "fake", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-fake-0123456789", "models": ["good"], "tier_name": "ccr-fake" },
                    { "name": "nokey", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "${CCR_TEST_UNSET_VARIABLE_XYZ}", "models": ["other"] }
                ],
                "Router": { "default": "fake,good", "tiers": ["fake,good", "nokey,other"] }
            }
            """);
        _ps.AddCommand("Import-Module").AddParameter("Name", TestModule.Path).Invoke();
        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        _ps.Runspace.SessionStateProxy.SetVariable("cfg", config);
        _ps.Runspace.SessionStateProxy.SetVariable("ccrHome", _folder);
        _ps.Runspace.SessionStateProxy.SetVariable("port", _port);
        Run("$env:CCR_HOME = $ccrHome");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Run("Stop-CcrProxy -Confirm:$false -ErrorAction SilentlyContinue; $env:CCR_HOME = $null");
        _ps.Dispose();
        await _upstream.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void NotAConsoleHost_WritesOneSnapshot_OfTheSessionsProxy_WithItsKey()
    {
        Run("Start-CcrProxy -Port $port -ConfigPath $cfg -WarningAction SilentlyContinue | Out-Null; Invoke-CcrMessage 'Hi' | Out-Null; Invoke-CcrMessage 'Again' | Out-Null");
        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));

        // No -Port and no -ConfigPath: the proxy this session started, with its config's APIKEY.
        Collection<PSObject> output = Run("Watch-CcrProxy");

        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        string frame = Assert.IsType<string>(Assert.Single(output).BaseObject);
        Assert.Contains("127.0.0.1:" + _port, frame, StringComparison.Ordinal);
        Assert.Matches(@"fake\s+good\s+ccr-fake\s+Ready\s+2\s+0", frame);
        Assert.Matches(@"nokey\s+other\s+KeyMissing", frame);
        Assert.Contains("Recent routing decisions", frame, StringComparison.Ordinal);
        Assert.Matches(@"ccr-fake\s+good\s+ok\s+200", frame);
        Assert.DoesNotContain("\u001b", frame, StringComparison.Ordinal);
    }

    [Fact]
    public void NoProxyOnThePort_IsProxyNotRunning_NamingThePort()
    {
        int free = FreePort();
        _ps.Runspace.SessionStateProxy.SetVariable("free", free);

        Run("Watch-CcrProxy -Port $free");

        ErrorRecord error = Assert.Single(_ps.Streams.Error);
        Assert.Equal("ProxyNotRunning,Ccr.PowerShell.Commands.WatchCcrProxyCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Contains("127.0.0.1:" + free, error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("Start-CcrProxy", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongKey_ShowsTheRefusal_InsteadOfFigures()
    {
        Run("Start-CcrProxy -Port $port -ConfigPath $cfg -WarningAction SilentlyContinue | Out-Null");
        string other = Path.Combine(_folder, "other.json");
        File.WriteAllText(other, """{ "APIKEY": "not-the-key", "Providers": [], "Router": {} }""");
        _ps.Runspace.SessionStateProxy.SetVariable("other", other);

        Collection<PSObject> output = Run("Watch-CcrProxy -Port $port -ConfigPath $other -WarningAction SilentlyContinue");

        string frame = Assert.IsType<string>(Assert.Single(output).BaseObject);
        Assert.Contains("refused the key (401)", frame, StringComparison.Ordinal);
        Assert.Contains("-ConfigPath", frame, StringComparison.Ordinal);
    }

    private Collection<PSObject> Run(string script)
    {
        _ps.Commands.Clear();
        _ps.Streams.ClearStreams();
        _ps.AddScript(script);
        return _ps.Invoke();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
