using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FakeUpstream;

namespace Ccr.PowerShell.Tests;

/// <summary>Edge cases of the proxy, message and provider cmdlets, in a real runspace against an in-process fake upstream.</summary>
[Collection(CcrHomeCollection.Name)]
public sealed class ProxyCmdletTests : IAsyncLifetime
{
    private readonly FakeUpstreamServer _upstream = FakeUpstreamServer.Start();
    private readonly ModuleSession _session = new("ccr-ps-");
    private string _config = "";

    public Task InitializeAsync()
    {
        _config = Path.Combine(_session.Folder, "config.json");
        File.WriteAllText(_config, $$"""
            {
                "Providers": [
                    { "name": "fake", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-fake-0123456789", "models": ["good", "denied"] },
                    { "name": "nokey", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "${CCR_TEST_UNSET_VARIABLE_XYZ}", "models": ["good"] }
                ],
                "Router": { "default": "fake,good" }
            }
            """);
        _session.Set("cfg", _config);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _session.Dispose();
        await _upstream.DisposeAsync();
    }



    [Fact]
    public void InvokeCcrMessage_SendsOneRequestPerPipelineItem()
    {
        Collection<PSObject> results = _session.Run("'one', 'two', 'three' | Invoke-CcrMessage -ConfigPath $cfg");

        _session.AssertNoErrors();
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal("Hello from fake upstream", r.Properties["Text"].Value));
        Assert.Equal(3, _upstream.CountFor("good"));
    }

    [Fact]
    public void InvokeCcrMessage_AuthFailure_IsANonTerminatingAuthenticationError()
    {
        _upstream.Script("denied", FakeReply.InvalidApiKey());

        Collection<PSObject> results = _session.Run("Invoke-CcrMessage 'hi' -Model fake,denied -ConfigPath $cfg; 'still running'");

        Assert.Equal("still running", Assert.Single(results).BaseObject);
        ErrorRecord error = Assert.Single(_session.Ps.Streams.Error);
        Assert.Equal("AuthenticationFailed,Ccr.PowerShell.Commands.InvokeCcrMessageCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
    }

    [Fact]
    public void InvokeCcrMessage_UnknownPreset_IsObjectNotFound()
    {
        _session.Run("Invoke-CcrMessage 'hi' -Preset nope -ConfigPath $cfg");

        ErrorRecord error = Assert.Single(_session.Ps.Streams.Error);
        Assert.Equal("NotFound,Ccr.PowerShell.Commands.InvokeCcrMessageCommand", error.FullyQualifiedErrorId);
        Assert.Contains("nope", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvokeCcrMessage_SendsSystemMaxTokensAndTemperature()
    {
        _session.Run("Invoke-CcrMessage 'hi' -Model fake,good -System 'be brief' -MaxTokens 77 -Temperature 0.25 -ConfigPath $cfg");

        _session.AssertNoErrors();
        string body = Assert.Single(_upstream.Requests).Body;
        Assert.Contains("be brief", body, StringComparison.Ordinal);
        Assert.Contains("77", body, StringComparison.Ordinal);
        Assert.Contains("0.25", body, StringComparison.Ordinal);
    }

    [Fact]
    public void TestCcrProvider_ReportsFailuresAsObjects_NotErrors()
    {
        _upstream.Script("good", FakeReply.InvalidApiKey());

        Collection<PSObject> results = _session.Run("Test-CcrProvider -ConfigPath $cfg | Where-Object Status -ne Ok");

        _session.AssertNoErrors();
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
        Collection<PSObject> results = _session.Run("Test-CcrProvider -ConfigPath $cfg -Name fake, ghost -Offline");

        Assert.Equal(new[] { "KeyVariable", "KeyFormat", "Endpoint", "Models" }, results.Select(r => (string)r.Properties["Check"].Value));
        Assert.Empty(_upstream.Requests);
        ErrorRecord error = Assert.Single(_session.Ps.Streams.Error);
        Assert.Equal("ProviderNotFound,Ccr.PowerShell.Commands.TestCcrProviderCommand", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void StartCcrProxy_PortHeldByAnotherProgram_FailsNamingThePort()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int port = ((IPEndPoint)holder.LocalEndpoint).Port;
        _session.Set("port", port);

        _session.Run("Start-CcrProxy -Port $port -ConfigPath $cfg");

        ErrorRecord error = Assert.Single(_session.Ps.Streams.Error);
        Assert.Equal("PortInUse,Ccr.PowerShell.Commands.StartCcrProxyCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("-Port", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StartCcrProxy_WhatIf_StartsNothing_AndStopWithoutProxyIsNotFound()
    {
        int port = ModuleSession.FreePort();
        _session.Set("port", port);

        Collection<PSObject> started = _session.Run("Start-CcrProxy -Port $port -ConfigPath $cfg -WhatIf -PassThru; Get-CcrProxy -Port $port -ErrorAction SilentlyContinue");
        Assert.Empty(started);

        _session.Run("Stop-CcrProxy -Port $port");
        ErrorRecord error = Assert.Single(_session.Ps.Streams.Error);
        Assert.Equal("ProxyNotFound,Ccr.PowerShell.Commands.StopCcrProxyCommand", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void InvokeCcrMessage_SharesTheRunningProxysTierState()
    {
        int port = ModuleSession.FreePort();
        _session.Set("port", port);
        File.WriteAllText(_config, File.ReadAllText(_config).Replace("\"Router\": { \"default\": \"fake,good\" }", "\"Router\": { \"tiers\": [\"fake,denied\", \"fake,good\"] }", StringComparison.Ordinal));
        _upstream.Script("denied", FakeReply.ServerError());

        Collection<PSObject> tiers = _session.Run("$null = Start-CcrProxy -Port $port -ConfigPath $cfg; $null = Invoke-CcrMessage 'hi' -ConfigPath $cfg; Get-CcrTier -ConfigPath $cfg");

        _session.AssertNoErrors();
        Assert.Equal(true, tiers[0].Properties["IsLive"].Value);
        Assert.True((long)tiers[0].Properties["Failures"].Value >= 1);
        Assert.Equal(1L, tiers[1].Properties["Requests"].Value);
        Assert.Equal("this session", tiers[0].Properties["LiveSource"].Value);
    }

    [Fact]
    public async Task InvokeCcrMessage_ThroughTheSessionsProxy_IsCountedInTheDashboardsTraffic()
    {
        int port = ModuleSession.FreePort();
        _session.Set("port", port);

        _upstream.Script("denied", FakeReply.ServerError());

        _session.Run("$null = Start-CcrProxy -Port $port -ConfigPath $cfg; $null = 'one', 'two' | Invoke-CcrMessage -ConfigPath $cfg; $null = Invoke-CcrMessage 'three' -Model fake,denied -ConfigPath $cfg -ErrorAction SilentlyContinue");

        using var client = new HttpClient();
        using JsonDocument feed = JsonDocument.Parse(await client.GetStringAsync(new Uri("http://127.0.0.1:" + port + "/ccr/dashboard")));
        JsonElement traffic = feed.RootElement.GetProperty("traffic");
        Assert.Equal(3, Sum(traffic.GetProperty("requests")));
        Assert.Equal(1, Sum(traffic.GetProperty("errors")));
    }

    private static long Sum(JsonElement counts)
    {
        long total = 0;
        foreach (JsonElement count in counts.EnumerateArray())
        {
            total += count.GetInt64();
        }

        return total;
    }
}
