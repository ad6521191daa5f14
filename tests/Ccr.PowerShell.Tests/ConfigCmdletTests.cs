using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Ccr.PowerShell.Tests;

public sealed class ConfigCmdletTests : IDisposable
{
    private const string Config = """
        {
            // providers
            "Providers": [
                {
                    "name": "qwen",
                    "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1",
                    "api_key": "sk-sp-0123456789abcdef",
                    "models": ["qwen3-coder-plus", "qwen3-max-2026-01-23"],
                    "tier_name": "ccr-qwen"
                }
            ],
            "Router": { "tiers": ["qwen,qwen3-coder-plus", "zai,glm-5"] },
            "Presets": {
                "coding_qwen": { "route": "qwen,qwen3-coder-plus", "temperature": 0.7 }, // warm
                "reasoning_qwen": { "route": "qwen,qwen3-max-2026-01-23" }
            }
        }
        """;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ccr-ps-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly string _config;
    private readonly System.Management.Automation.PowerShell _ps;

    public ConfigCmdletTests()
    {
        Directory.CreateDirectory(_folder);
        _config = Path.Combine(_folder, "config.json");
        File.WriteAllText(_config, Config);
        _ps = System.Management.Automation.PowerShell.Create(RunspaceMode.NewRunspace);
        _ps.AddCommand("Import-Module").AddParameter("Name", TestModule.Path).Invoke();
        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        _ps.Commands.Clear();
        _ps.Runspace.SessionStateProxy.SetVariable("cfg", _config);
    }

    public void Dispose()
    {
        _ps.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private Collection<PSObject> Run(string script)
    {
        _ps.Commands.Clear();
        _ps.Streams.ClearStreams();
        _ps.AddScript(script);
        return _ps.Invoke();
    }

    private ErrorRecord CaughtError(string script) => Assert.IsType<ErrorRecord>(Assert.Single(Run(script)).BaseObject);

    [Fact]
    public void GetCcrTier_ListsTiersInOrderWithState()
    {
        Collection<PSObject> tiers = Run("Get-CcrTier -ConfigPath $cfg");

        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        Assert.Equal(2, tiers.Count);
        Assert.Equal("Ccr.PowerShell.TierInfo", tiers[0].BaseObject.GetType().FullName);
        Assert.Equal((0, "qwen", "ccr-qwen", "Ready", "sk-sp-…cdef"), ((int)tiers[0].Properties["Index"].Value, (string)tiers[0].Properties["Provider"].Value, (string)tiers[0].Properties["TierName"].Value, tiers[0].Properties["State"].Value.ToString(), (string)tiers[0].Properties["KeyHint"].Value));
        Assert.Equal("UnknownProvider", tiers[1].Properties["State"].Value.ToString());
        Assert.Null(tiers[1].Properties["Until"].Value);
    }

    [Fact]
    public void ConfigPath_IsResolvedFromThePowerShellLocation()
    {
        Collection<PSObject> tiers = Run("Set-Location $([IO.Path]::GetDirectoryName($cfg)); Get-CcrTier -ConfigPath ./config.json");
        Assert.Equal(2, tiers.Count);
    }

    [Fact]
    public void GetCcrPreset_FiltersByWildcardAndReportsMissingNames()
    {
        Collection<PSObject> presets = Run("Get-CcrPreset -ConfigPath $cfg -Name '*qwen', 'nope', 'CODING_QWEN'");

        Assert.Equal(new[] { "coding_qwen", "reasoning_qwen", "coding_qwen" }, presets.Select(p => (string)p.Properties["Name"].Value));
        Assert.Equal(_config, presets[0].Properties["ConfigPath"].Value);
        ErrorRecord error = Assert.Single(_ps.Streams.Error);
        Assert.Equal("PresetNotFound,Ccr.PowerShell.Commands.GetCcrPresetCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [Fact]
    public void SetCcrPreset_WhatIf_ChangesNothing()
    {
        byte[] before = File.ReadAllBytes(_config);
        Run("Set-CcrPreset -ConfigPath $cfg -Name coding_qwen -Temperature 0.1 -WhatIf; Set-CcrPreset -ConfigPath $cfg -Name new_one -Route qwen,qwen3-coder-plus -WhatIf");
        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        Assert.Equal(before, File.ReadAllBytes(_config));
        Assert.False(File.Exists(_config + ".bak"));
    }

    [Fact]
    public void SetCcrPreset_UpdatesOnlyTheGivenField_AndPassesThru()
    {
        Collection<PSObject> result = Run("Set-CcrPreset -ConfigPath $cfg -Name coding_qwen -MaxTokens 4096 -PassThru");

        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        PSObject preset = Assert.Single(result);
        Assert.Equal((0.7, 4096), ((double)preset.Properties["Temperature"].Value, (int)preset.Properties["MaxTokens"].Value));
        Assert.Equal(
            Config.Replace("\"temperature\": 0.7 }", "\"temperature\": 0.7, \"max_tokens\": 4096 }", StringComparison.Ordinal),
            File.ReadAllText(_config));
    }

    [Fact]
    public void SetCcrPreset_CreatesWithAnUnquotedRoute()
    {
        Run("Set-CcrPreset -ConfigPath $cfg -Name fast qwen,qwen3-coder-plus -Temperature 0.2");
        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        PSObject preset = Assert.Single(Run("Get-CcrPreset -ConfigPath $cfg fast"));
        Assert.Equal("qwen,qwen3-coder-plus", preset.Properties["Route"].Value);
    }

    [Theory]
    [InlineData("zai,glm-5")]
    [InlineData("qwen,nope")]
    [InlineData("just-a-model")]
    public void SetCcrPreset_BadRoute_IsInvalidRouteAndTheFileIsUntouched(string route)
    {
        byte[] before = File.ReadAllBytes(_config);
        _ps.Runspace.SessionStateProxy.SetVariable("route", route);

        Run("Set-CcrPreset -ConfigPath $cfg -Name coding_qwen -Route $route");

        ErrorRecord error = Assert.Single(_ps.Streams.Error);
        Assert.Equal("InvalidRoute,Ccr.PowerShell.Commands.SetCcrPresetCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("$.Presets.coding_qwen.route", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_config));
    }

    [Fact]
    public void SetCcrPreset_NewPresetWithoutRoute_IsInvalidRoute()
    {
        Run("Set-CcrPreset -ConfigPath $cfg -Name brand_new -Temperature 0.5");
        Assert.Equal("InvalidRoute,Ccr.PowerShell.Commands.SetCcrPresetCommand", Assert.Single(_ps.Streams.Error).FullyQualifiedErrorId);
    }

    [Fact]
    public void RemoveCcrPreset_TakesPresetsFromThePipeline()
    {
        Run("Get-CcrPreset -ConfigPath $cfg reasoning_qwen | Remove-CcrPreset -Confirm:$false");

        Assert.False(_ps.HadErrors, string.Join(Environment.NewLine, _ps.Streams.Error));
        Assert.Equal(
            Config.Replace(", // warm\n        \"reasoning_qwen\": { \"route\": \"qwen,qwen3-max-2026-01-23\" }", " // warm", StringComparison.Ordinal),
            File.ReadAllText(_config));
    }

    [Fact]
    public void RemoveCcrPreset_WhatIfAndMissingName()
    {
        byte[] before = File.ReadAllBytes(_config);
        Run("Remove-CcrPreset -ConfigPath $cfg -Name coding_qwen -WhatIf; Remove-CcrPreset -ConfigPath $cfg -Name ghost");

        Assert.Equal(before, File.ReadAllBytes(_config));
        ErrorRecord error = Assert.Single(_ps.Streams.Error);
        Assert.Equal("PresetNotFound,Ccr.PowerShell.Commands.RemoveCcrPresetCommand", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void InvalidConfig_IsATerminatingConfigInvalidWithLineAndColumn()
    {
        File.WriteAllText(_config, "{\n  \"PORT\": 3456\n  \"HOST\": \"x\"\n}");
        // catch sees only terminating errors.
        ErrorRecord error = CaughtError("try { Get-CcrTier -ConfigPath $cfg; 'not reached' } catch { $_ }");
        Assert.Equal("ConfigInvalid,Ccr.PowerShell.Commands.GetCcrTierCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Contains("config.json:3:3", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingConfig_IsConfigNotFound()
    {
        ErrorRecord error = CaughtError("try { Get-CcrPreset -ConfigPath (Join-Path ([IO.Path]::GetDirectoryName($cfg)) 'missing.json'); 'not reached' } catch { $_ }");
        Assert.Equal("ConfigNotFound,Ccr.PowerShell.Commands.GetCcrPresetCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [Fact]
    public void RouteCompleter_OffersQuotedProviderModelPairs()
    {
        Collection<PSObject> result = Run("(TabExpansion2 -inputScript \"Set-CcrPreset -ConfigPath '$cfg' -Name x -Route qwen\" -cursorColumn (\"Set-CcrPreset -ConfigPath '$cfg' -Name x -Route qwen\").Length).CompletionMatches.CompletionText");
        Assert.Equal(new[] { "'qwen,qwen3-coder-plus'", "'qwen,qwen3-max-2026-01-23'" }, result.Select(r => r.ToString()));
    }

    [Fact]
    public void SeedFullExample_ListsFourTiersWithCcrQwenOnQwen()
    {
        string seed = Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed-full.jsonc");
        File.Copy(seed, _config, overwrite: true);

        Collection<PSObject> tiers = Run("Get-CcrTier -ConfigPath $cfg");

        Assert.Equal(new[] { "zai", "qwen", "minimax", "deepseek" }, tiers.Select(t => (string)t.Properties["Provider"].Value));
        Assert.Equal("ccr-qwen", tiers[1].Properties["TierName"].Value);
    }
}
