using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FakeUpstream;

namespace Ccr.PowerShell.Tests;

/// <summary>
/// The custom router end to end: a real proxy started by Start-CcrProxy in a real runspace, a real script file (or a script
/// block given to Register-CcrRouter), real HTTP requests, and the in-process fake upstream telling which model was asked for.
/// </summary>
[Collection(CcrHomeCollection.Name)]
public sealed class CustomRouterTests : IAsyncLifetime
{
    private static readonly TimeSpan s_eventWait = TimeSpan.FromSeconds(30);

    private readonly FakeUpstreamServer _upstream = FakeUpstreamServer.Start();
    private readonly ModuleSession _session = new("ccr-router-") { StopCommand = "Stop-CcrProxy -Port $port -Confirm:$false -ErrorAction SilentlyContinue" };
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly int _port = ModuleSession.FreePort();
    private string _config = "";
    private string _script = "";

    public Task InitializeAsync()
    {
        _config = Path.Combine(_session.Folder, "config.json");
        _script = Path.Combine(_session.Folder, "router.ps1");
        _session.Set("cfg", _config);
        _session.Set("port", _port);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _session.Dispose();
        _client.Dispose();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task ScriptChoice_IsApplied()
    {
        StartProxy("param($Request) if ($Request.LastUserText -eq 'go big') { 'fake,big' }");

        await SendAsync("go big");

        Assert.Equal(1, _upstream.CountFor("big"));
        Assert.Equal(0, _upstream.CountFor("good"));
        Assert.Contains("\"route_source\":\"custom\"", await LogAsync("\"route_source\":\"custom\""), StringComparison.Ordinal);
        Assert.Contains("ccr_custom_router_total{outcome=\"chosen\"} 1", await MetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScriptReturningNull_KeepsCcrsChoice_WithoutALogLine()
    {
        StartProxy("param($Request) $null");

        await SendAsync("hello");

        Assert.Equal(1, _upstream.CountFor("good"));
        string log = await LogAsync("\"event\":\"attempt\"");
        Assert.DoesNotContain("custom_router", log, StringComparison.Ordinal);
        Assert.Contains("\"route_source\":\"default\"", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PresetName_RoutesThroughThePreset()
    {
        StartProxy("param($Request) 'long'");

        await SendAsync("hello");

        Assert.Equal(1, _upstream.CountFor("big"));
    }

    [Fact]
    public async Task ScriptThatThrows_KeepsCcrsChoice_AndIsLoggedWithTheReason()
    {
        StartProxy("param($Request) throw 'no route for you'");

        HttpStatusCode status = (await SendAsync("hello")).Status;

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, _upstream.CountFor("good"));
        string line = FindLine(await LogAsync("\"outcome\":\"threw\""), "\"outcome\":\"threw\"");
        Assert.Contains("\"event\":\"custom_router\"", line, StringComparison.Ordinal);
        Assert.Contains("no route for you", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScriptThatSleeps6s_FallsBackWithinTheBudget_AndLaterCallsStillGetARunspace()
    {
        // As many sleeping calls as the pool has runspaces (one per core, two to four), then one that answers at once. Only if
        // the stops freed the runspaces does that one find one within its budget: a runspace given up on is replaced only two
        // seconds after its stop, past the budget of a call sent right after the sleeping ones.
        int runspaces = Math.Clamp(Environment.ProcessorCount, 2, 4);
        StartProxy("param($Request) if ($Request.LastUserText -eq 'sleep') { Start-Sleep -Seconds 6 }; 'fake,big'", timeoutMs: 1000);

        // At once, so every runspace is taken by the same moment and none can have been replaced before the next call.
        (HttpStatusCode Status, TimeSpan Took)[] sleepers = await Task.WhenAll(Enumerable.Range(0, runspaces).Select(_ => SendAsync("sleep")));
        foreach ((HttpStatusCode status, TimeSpan took) in sleepers)
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(took < TimeSpan.FromSeconds(6), "a request waited " + took + " for a script that sleeps 6 s");
        }

        await SendAsync("go");
        await SendAsync("go");

        Assert.Equal(runspaces, _upstream.CountFor("good"));
        Assert.Equal(2, _upstream.CountFor("big"));
        string log = await LogAsync("\"outcome\":\"timed_out\"");
        Assert.Contains("CUSTOM_ROUTER_TIMEOUT_MS (1000 ms)", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteTheConfigDoesNotKnow_IsIgnored_AndLogged()
    {
        StartProxy("""
            param($Request)
            switch ($Request.LastUserText) { 'provider' { 'nope,big' } 'model' { 'fake,not-listed' } 'name' { 'no-such-preset' } 'number' { 42 } }
            """);

        foreach (string text in new[] { "provider", "model", "name", "number" })
        {
            await SendAsync(text);
        }

        Assert.Equal(4, _upstream.CountFor("good"));
        string log = await LogAsync("'no-such-preset'", "\"not_a_string\"");
        Assert.Contains("'nope,big', which is not a provider,model", log, StringComparison.Ordinal);
        Assert.Contains("'fake,not-listed', which is not a provider,model", log, StringComparison.Ordinal);
        Assert.Contains("'no-such-preset', which is neither provider,model nor a preset", log, StringComparison.Ordinal);
        Assert.Contains("the script returned a Int32", log, StringComparison.Ordinal);
        string metrics = await MetricsAsync();
        Assert.Contains("ccr_custom_router_total{outcome=\"unknown_route\"} 3", metrics, StringComparison.Ordinal);
        Assert.Contains("ccr_custom_router_total{outcome=\"not_a_string\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EditedScript_IsReloaded()
    {
        StartProxy("param($Request) 'fake,big'");
        await SendAsync("hello");
        Assert.Equal(1, _upstream.CountFor("big"));

        await File.WriteAllTextAsync(_script, "param($Request) 'fake,other'");

        // Each request is an observation; the edit is seen once one goes to the new route.
        Assert.True(await SendUntilAsync(() => _upstream.CountFor("other") > 0), "the edited script was not picked up");
        Assert.Contains("custom router loaded from " + _script.Replace("\\", "\\\\", StringComparison.Ordinal), await LogAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScriptThatDoesNotParse_KeepsTheLastGoodOne_AndSaysWhy()
    {
        StartProxy("param($Request) 'fake,big'");

        await File.WriteAllTextAsync(_script, "param($Request) if ( { 'fake,other'");
        string log = await LogAsync("\"not_loaded\"");
        await SendAsync("hello");

        Assert.Contains("does not parse", FindLine(log, "\"not_loaded\""), StringComparison.Ordinal);
        Assert.Contains("keeping the script loaded before", log, StringComparison.Ordinal);
        Assert.Equal(1, _upstream.CountFor("big"));
    }

    [Fact]
    public async Task GetCcrProxy_SaysWhichScriptRoutes_AndWhyAnEditWasNotLoaded()
    {
        StartProxy("param($Request) 'fake,big'");
        Assert.Equal(_script, CustomRouterShown());

        await File.WriteAllTextAsync(_script, "param($Request) if ( { 'fake,other'");
        await LogAsync("\"not_loaded\"");
        string refused = CustomRouterShown();
        Assert.StartsWith(_script + " (its last edit was not loaded: ", refused, StringComparison.Ordinal);
        Assert.Contains("does not parse", refused, StringComparison.Ordinal);

        _session.Run("Register-CcrRouter { param($Request) $null }");
        _session.AssertNoErrors();
        Assert.StartsWith("Register-CcrRouter, ahead of " + _script, CustomRouterShown(), StringComparison.Ordinal);

        _session.Run("Unregister-CcrRouter");
        await File.WriteAllTextAsync(_script, "param($Request) 'fake,other'");
        var clock = Stopwatch.StartNew();
        while (CustomRouterShown() != _script && clock.Elapsed < s_eventWait)
        {
            await Task.Delay(50);
        }

        Assert.Equal(_script, CustomRouterShown());
        Assert.True(await SendUntilAsync(() => _upstream.CountFor("other") > 0), "the fixed script was not the one routing");

        // What another process sees on /health says the same.
        using JsonDocument health = JsonDocument.Parse(await _client.GetStringAsync(new Uri("http://127.0.0.1:" + _port + "/health")));
        Assert.Equal(_script, health.RootElement.GetProperty("custom_router").GetString());
    }

    [Fact]
    public void GetCcrProxy_WithoutAScript_SaysNone()
    {
        StartProxy(script: null);

        Assert.Equal("none", CustomRouterShown());
    }

    [Fact]
    public async Task ConcurrentRequests_AllGetTheScriptsChoice()
    {
        // Three times as many requests at once as the pool has runspaces: the rest wait their turn within the budget.
        StartProxy("param($Request) 'fake,big'");

        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => SendAsync("hello " + i)));

        Assert.Equal(12, _upstream.CountFor("big"));
    }

    [Fact]
    public async Task ScriptThatBreaksOrExits_KeepsCcrsChoice_AndTheRunspaceServesTheNextCall()
    {
        // Not inside a switch: a switch is a loop to break and continue, so a break there would end only the switch.
        StartProxy("param($Request) if ($Request.LastUserText -eq 'break') { break }; if ($Request.LastUserText -eq 'exit') { exit }; 'fake,big'");

        await SendAsync("exit");
        await SendAsync("exit");
        await SendAsync("exit");
        await SendAsync("break");
        await SendAsync("go");

        Assert.Equal(1, _upstream.CountFor("big"));
        Assert.Equal(4, _upstream.CountFor("good"));
        Assert.Contains("(exit?)", await LogAsync("(exit?)"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartCcrProxy_WithAScriptThatDoesNotParse_WarnsWhereAndRoutesAsUsual()
    {
        StartProxy("param($Request)\n'fake,big' +");

        await SendAsync("hello");

        WarningRecord warning = Assert.Single(_session.Ps.Streams.Warning);
        Assert.Contains("does not parse: line 2", warning.Message, StringComparison.Ordinal);
        Assert.Contains(_script, warning.Message, StringComparison.Ordinal);
        Assert.Equal(1, _upstream.CountFor("good"));
    }

    [Fact]
    public async Task ConfigEditThatNamesAnotherScript_SwitchesToIt()
    {
        StartProxy("param($Request) 'fake,big'");
        await SendAsync("hello");
        string other = Path.Combine(_session.Folder, "other-router.ps1");
        await File.WriteAllTextAsync(other, "param($Request) 'fake,other'");

        await File.WriteAllTextAsync(_config, (await File.ReadAllTextAsync(_config)).Replace("\"router.ps1\"", "\"other-router.ps1\"", StringComparison.Ordinal));

        Assert.True(await SendUntilAsync(() => _upstream.CountFor("other") > 0), "the config's new CUSTOM_ROUTER_PATH was not picked up");
        Assert.Equal("other", _upstream.Requests[^1].Model);
    }

    [Fact]
    public async Task RegisteredScriptBlock_TakesPrecedenceOverTheFile_UntilUnregistered()
    {
        StartProxy("param($Request) 'fake,big'");

        _session.Run("Register-CcrRouter -ScriptBlock { param($Request) 'fake,other' }");
        _session.AssertNoErrors();
        await SendAsync("one");
        _session.Run("Unregister-CcrRouter");
        _session.AssertNoErrors();
        await SendAsync("two");

        Assert.Equal(1, _upstream.CountFor("other"));
        Assert.Equal(1, _upstream.CountFor("big"));
    }

    [Fact]
    public async Task RegisteredScriptBlock_ReturningNull_KeepsCcrsChoice_AndRegisteringAgainReplacesIt()
    {
        StartProxy(script: null);

        _session.Run("Register-CcrRouter { param($Request) $null }");
        _session.AssertNoErrors();
        await SendAsync("one");
        _session.Run("Register-CcrRouter { param($Request) 'fake,big' }");
        _session.AssertNoErrors();
        await SendAsync("two");

        Assert.Equal(1, _upstream.CountFor("good"));
        Assert.Equal(1, _upstream.CountFor("big"));
    }

    [Fact]
    public async Task RegisterCcrRouter_WhatIf_InstallsNothing()
    {
        StartProxy(script: null);

        _session.Run("Register-CcrRouter { param($Request) 'fake,big' } -WhatIf");
        await SendAsync("hello");

        _session.AssertNoErrors();
        Assert.Equal(1, _upstream.CountFor("good"));
    }

    [Fact]
    public async Task RegisteredScriptBlock_ThatThrowsSleepsOrNamesAnUnknownRoute_FallsBackAndIsLogged()
    {
        StartProxy(script: null, timeoutMs: 1000);
        _session.Run("""
            Register-CcrRouter {
                param($Request)
                switch ($Request.LastUserText) { 'sleep' { Start-Sleep -Seconds 6 } 'throw' { throw 'registered boom' } default { 'nope,x' } }
            }
            """);
        _session.AssertNoErrors();

        (_, TimeSpan took) = await SendAsync("sleep");
        await SendAsync("throw");
        await SendAsync("other");

        Assert.True(took < TimeSpan.FromSeconds(6), "a request waited " + took + " for a script block that sleeps 6 s");
        Assert.Equal(3, _upstream.CountFor("good"));
        string log = await LogAsync("\"timed_out\"", "registered boom", "'nope,x'");
        Assert.Contains("\"timed_out\"", log, StringComparison.Ordinal);
        Assert.Contains("registered boom", log, StringComparison.Ordinal);
        Assert.Contains("'nope,x'", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisteredScriptBlock_SeesTheRequestObject_ButNotTheSessionsVariables()
    {
        StartProxy(script: null);
        _session.Run("""
            $sessionRoute = 'fake,other'
            Register-CcrRouter {
                param($Request)
                if ($sessionRoute) { return $sessionRoute }
                if ($Request.ProjectDir -eq '/work/payments' -and $Request.Scenario -eq 'default' -and $Request.Route -eq 'fake,good' -and
                    $Request.Tools -contains 'Read' -and $Request.TokenCount -gt 0 -and $Request.System -like '*Claude Code*' -and
                    $Request.Model -eq 'claude-sonnet-4-5' -and $Request.LastUserText -eq 'pay') { 'fake,big' }
            }
            """);
        _session.AssertNoErrors();

        await SendAsync("pay", system: "You are Claude Code.\n<env>\nWorking directory: /work/payments\nPlatform: linux\n</env>", tools: """[{"name":"Read","input_schema":{"type":"object"}}]""");

        Assert.Equal(1, _upstream.CountFor("big"));
        Assert.Equal(0, _upstream.CountFor("other"));
    }

    [Fact]
    public void RegisterCcrRouter_WithUsingScope_IsRouterScriptInvalid_AndTheRouterInUseStays()
    {
        StartProxy("param($Request) 'fake,big'");

        _session.Run("$x = 'fake,other'; Register-CcrRouter { param($Request) $using:x }");

        ErrorRecord error = Assert.Single(_session.Ps.Streams.Error);
        Assert.Equal("RouterScriptInvalid,Ccr.PowerShell.Commands.RegisterCcrRouterCommand", error.FullyQualifiedErrorId);
        Assert.Contains("$using:", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RegisterCcrRouter_WithoutAProxyInTheSession_IsNoProxyInSession()
    {
        _session.Run("Register-CcrRouter { param($Request) $null }");

        ErrorRecord error = Assert.Single(_session.Ps.Streams.Error);
        Assert.Equal("NoProxyInSession,Ccr.PowerShell.Commands.RegisterCcrRouterCommand", error.FullyQualifiedErrorId);
        Assert.Contains("Start-CcrProxy", error.Exception.Message, StringComparison.Ordinal);
    }

    private string CustomRouterShown()
    {
        Collection<PSObject> shown = _session.Run("(Get-CcrProxy -Port $port).CustomRouter");
        _session.AssertNoErrors();
        return Assert.Single(shown).ToString();
    }

    private void StartProxy(string? script, int timeoutMs = 5000)
    {
        // A generous budget where a test needs the script's answer: a first call in a fresh runspace on a busy machine is slow.
        if (script is not null)
        {
            File.WriteAllText(_script, script);
        }

        string routerPath = script is null ? "" : ", \"CUSTOM_ROUTER_PATH\": \"router.ps1\"";
        File.WriteAllText(_config, $$"""
            {
                "Providers": [ { "name": "fake", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "${CCR_TEST_ROUTER_KEY}", "models": ["good", "big", "other"] } ],
                "Router": { "default": "fake,good" },
                "Presets": { "long": { "route": "fake,big" } },
                "CUSTOM_ROUTER_TIMEOUT_MS": {{timeoutMs}}{{routerPath}}
            }
            """);
        File.WriteAllText(Path.Combine(_session.Folder, ".env"), "CCR_TEST_ROUTER_KEY=sk-fake-0123456789\n");
        _session.Run("Start-CcrProxy -ConfigPath $cfg -Port $port");
        _session.AssertNoErrors();
    }

    private async Task<(HttpStatusCode Status, TimeSpan Took)> SendAsync(string userText, string? system = null, string? tools = null)
    {
        var body = new StringBuilder("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,");
        if (system is not null)
        {
            body.Append("\"system\":").Append(System.Text.Json.JsonSerializer.Serialize(system)).Append(',');
        }

        if (tools is not null)
        {
            body.Append("\"tools\":").Append(tools).Append(',');
        }

        body.Append("\"messages\":[{\"role\":\"user\",\"content\":").Append(System.Text.Json.JsonSerializer.Serialize(userText)).Append("}]}");
        var clock = Stopwatch.StartNew();
        using HttpResponseMessage response = await _client.PostAsync(
            new Uri("http://127.0.0.1:" + _port + "/v1/messages"), new StringContent(body.ToString(), Encoding.UTF8, "application/json"));
        await response.Content.ReadAsStringAsync();
        return (response.StatusCode, clock.Elapsed);
    }

    private Task<string> MetricsAsync() => _client.GetStringAsync(new Uri("http://127.0.0.1:" + _port + "/metrics"));

    private async Task<bool> SendUntilAsync(Func<bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_eventWait)
        {
            await SendAsync("hello");
            if (done())
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The decision log once it holds every one of <paramref name="expected"/> (it is written just after each answer).</summary>
    private async Task<string> LogAsync(params string[] expected)
    {
        string path = Path.Combine(_session.Folder, "logs", "ccr.log");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            string log = "";
            if (File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                log = await reader.ReadToEndAsync();
            }

            if (expected.All(e => log.Contains(e, StringComparison.Ordinal)) || clock.Elapsed > s_eventWait)
            {
                return log;
            }

            await Task.Delay(20);
        }
    }

    private static string FindLine(string log, string marker) =>
        log.Split('\n').FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal)) ?? "(no line with " + marker + " in the log:\n" + log + ")";


}
