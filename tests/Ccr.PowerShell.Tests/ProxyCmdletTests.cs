using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Net.Sockets;
using FakeUpstream;

namespace Ccr.PowerShell.Tests;

/// <summary>Edge cases of the proxy, message and provider cmdlets, in a real runspace against an in-process fake upstream.</summary>
[Collection(CcrHomeCollection.Name)]
public sealed class ProxyCmdletTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ccr-ps-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly FakeUpstreamServer _upstream = FakeUpstreamServer.Start();
    private readonly System.Management.Automation.PowerShell _ps = System.Management.Automation.PowerShell.Create(RunspaceMode.NewRunspace);
    private string _config = "";

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _config = Path.Combine(_folder, "config.json");
        File.WriteAllText(_config, $$"""
            {
                "Providers": [
                    { "name": "fake", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-fake-0123456789", "models": ["good", "denied"] },
                    { "name": "nokey", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "${CCR_TEST_UNSET_VARIABLE_XYZ}", "models": ["good"] }
                ],
                "Router": { "default": "fake,good" }
            }
            """);
        _ps.AddCommand("Import-Module").AddParameter("Name", TestModule.Path).Invoke();
        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        _ps.Runspace.SessionStateProxy.SetVariable("cfg", _config);
        _ps.Runspace.SessionStateProxy.SetVariable("ccrHome", _folder);
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

    [Fact]
    public void InvokeCcrMessage_SendsOneRequestPerPipelineItem()
    {
        Collection<PSObject> results = Run("'one', 'two', 'three' | Invoke-CcrMessage -ConfigPath $cfg");

        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal("Hello from fake upstream", r.Properties["Text"].Value));
        Assert.Equal(3, _upstream.CountFor("good"));
    }

    [Fact]
    public void InvokeCcrMessage_AuthFailure_IsANonTerminatingAuthenticationError()
    {
        _upstream.Script("denied", FakeReply.InvalidApiKey());

        Collection<PSObject> results = Run("Invoke-CcrMessage 'hi' -Model fake,denied -ConfigPath $cfg; 'still running'");

        Assert.Equal("still running", Assert.Single(results).BaseObject);
        ErrorRecord error = Assert.Single(_ps.Streams.Error);
        Assert.Equal("AuthenticationFailed,Ccr.PowerShell.Commands.InvokeCcrMessageCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
    }

    [Fact]
    public void InvokeCcrMessage_UnknownPreset_IsObjectNotFound()
    {
        Run("Invoke-CcrMessage 'hi' -Preset nope -ConfigPath $cfg");

        ErrorRecord error = Assert.Single(_ps.Streams.Error);
        Assert.Equal("NotFound,Ccr.PowerShell.Commands.InvokeCcrMessageCommand", error.FullyQualifiedErrorId);
        Assert.Contains("nope", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvokeCcrMessage_SendsSystemMaxTokensAndTemperature()
    {
        Run("Invoke-CcrMessage 'hi' -Model fake,good -System 'be brief' -MaxTokens 77 -Temperature 0.25 -ConfigPath $cfg");

        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        string body = Assert.Single(_upstream.Requests).Body;
        Assert.Contains("be brief", body, StringComparison.Ordinal);
        Assert.Contains("77", body, StringComparison.Ordinal);
        Assert.Contains("0.25", body, StringComparison.Ordinal);
    }

    [Fact]
    public void TestCcrProvider_ReportsFailuresAsObjects_NotErrors()
    {
        _upstream.Script("good", FakeReply.InvalidApiKey());

        Collection<PSObject> results = Run("Test-CcrProvider -ConfigPath $cfg | Where-Object Status -ne Ok");

        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        var checks = results.Select(r => r.Properties["Provider"].Value + "/" + r.Properties["Check"].Value + "/" + r.Properties["Status"].Value).ToList();
        Assert.Contains("fake/Auth/Failed", checks);
        Assert.Contains("nokey/KeyVariable/Failed", checks);
        Assert.Contains("nokey/Reachable/Skipped", checks);
        PSObject missing = results.First(r => (string)r.Properties["Check"].Value == "KeyVariable");
        Assert.Contains("CCR_TEST_UNSET_VARIABLE_XYZ", (string)missing.Properties["Message"].Value, StringComparison.Ordinal);
    }

    [Fact]
    public void TestCcrProvider_Offline_SendsNothing_AndUnknownNameIsAnError()
    {
        Collection<PSObject> results = Run("Test-CcrProvider -ConfigPath $cfg -Name fake, ghost -Offline");

        Assert.Equal(new[] { "KeyVariable", "KeyFormat", "Endpoint", "Models" }, results.Select(r => (string)r.Properties["Check"].Value));
        Assert.Empty(_upstream.Requests);
        ErrorRecord error = Assert.Single(_ps.Streams.Error);
        Assert.Equal("ProviderNotFound,Ccr.PowerShell.Commands.TestCcrProviderCommand", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void StartCcrProxy_PortHeldByAnotherProgram_FailsNamingThePort()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int port = ((IPEndPoint)holder.LocalEndpoint).Port;
        _ps.Runspace.SessionStateProxy.SetVariable("port", port);

        Run("Start-CcrProxy -Port $port -ConfigPath $cfg");

        ErrorRecord error = Assert.Single(_ps.Streams.Error);
        Assert.Equal("PortInUse,Ccr.PowerShell.Commands.StartCcrProxyCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("-Port", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StartCcrProxy_WhatIf_StartsNothing_AndStopWithoutProxyIsNotFound()
    {
        int port = FreePort();
        _ps.Runspace.SessionStateProxy.SetVariable("port", port);

        Collection<PSObject> started = Run("Start-CcrProxy -Port $port -ConfigPath $cfg -WhatIf -PassThru; Get-CcrProxy -Port $port -ErrorAction SilentlyContinue");
        Assert.Empty(started);

        Run("Stop-CcrProxy -Port $port");
        ErrorRecord error = Assert.Single(_ps.Streams.Error);
        Assert.Equal("ProxyNotFound,Ccr.PowerShell.Commands.StopCcrProxyCommand", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void InvokeCcrMessage_SharesTheRunningProxysTierState()
    {
        int port = FreePort();
        _ps.Runspace.SessionStateProxy.SetVariable("port", port);
        File.WriteAllText(_config, File.ReadAllText(_config).Replace("\"Router\": { \"default\": \"fake,good\" }", "\"Router\": { \"tiers\": [\"fake,denied\", \"fake,good\"] }", StringComparison.Ordinal));
        _upstream.Script("denied", FakeReply.ServerError());

        Collection<PSObject> tiers = Run("$null = Start-CcrProxy -Port $port -ConfigPath $cfg; $null = Invoke-CcrMessage 'hi' -ConfigPath $cfg; Get-CcrTier -ConfigPath $cfg");

        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        Assert.Equal(true, tiers[0].Properties["IsLive"].Value);
        Assert.True((long)tiers[0].Properties["Failures"].Value >= 1);
        Assert.Equal(1L, tiers[1].Properties["Requests"].Value);
        Assert.Equal("this session", tiers[0].Properties["LiveSource"].Value);
    }
}
