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
[Collection(CcrHomeCollection.Name)]
public sealed class WatchCcrProxyTests : IAsyncLifetime
{
    private readonly FakeUpstreamServer _upstream = FakeUpstreamServer.Start();
    private readonly ModuleSession _session = new("ccr-ps-watch-");
    private readonly int _port = ModuleSession.FreePort();

    public Task InitializeAsync()
    {
        string config = Path.Combine(_session.Folder, "config.json");
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
        _session.Set("cfg", config);
        _session.Set("port", _port);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _session.Dispose();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public void NotAConsoleHost_WritesOneSnapshot_OfTheSessionsProxy_WithItsKey()
    {
        _session.Run("Start-CcrProxy -Port $port -ConfigPath $cfg -WarningAction SilentlyContinue | Out-Null; Invoke-CcrMessage 'Hi' | Out-Null; Invoke-CcrMessage 'Again' | Out-Null");
        _session.AssertNoErrors();

        // No -Port and no -ConfigPath: the proxy this session started, with its config's APIKEY.
        Collection<PSObject> output = _session.Run("Watch-CcrProxy");

        _session.AssertNoErrors();
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
        int free = ModuleSession.FreePort();
        _session.Set("free", free);

        _session.Run("Watch-CcrProxy -Port $free");

        ErrorRecord error = Assert.Single(_session.Ps.Streams.Error);
        Assert.Equal("ProxyNotRunning,Ccr.PowerShell.Commands.WatchCcrProxyCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Contains("127.0.0.1:" + free, error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("Start-CcrProxy", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongKey_ShowsTheRefusal_InsteadOfFigures()
    {
        _session.Run("Start-CcrProxy -Port $port -ConfigPath $cfg -WarningAction SilentlyContinue | Out-Null");
        string other = Path.Combine(_session.Folder, "other.json");
        File.WriteAllText(other, """{ "APIKEY": "not-the-key", "Providers": [], "Router": {} }""");
        _session.Set("other", other);

        Collection<PSObject> output = _session.Run("Watch-CcrProxy -Port $port -ConfigPath $other -WarningAction SilentlyContinue");

        string frame = Assert.IsType<string>(Assert.Single(output).BaseObject);
        Assert.Contains("refused the key (401)", frame, StringComparison.Ordinal);
        Assert.Contains("-ConfigPath", frame, StringComparison.Ordinal);
    }

}
