using Ccr.Core.Config;
using Ccr.Core.Providers;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Config;

public class ConfigTemplateWriterTests
{
    /// <summary>A plausible key for every template's variable (the plan key format where the family checks one).</summary>
    private static Dictionary<string, string?> Keys()
    {
        var keys = new Dictionary<string, string?>();
        foreach (ProviderTemplate template in ProviderTemplates.All)
        {
            if (template.KeyVariable is not null)
            {
                keys[template.KeyVariable] = template.Name == "CodingPlan" ? "sk-sp-0123456789abcdef" : "sk-0123456789abcdef";
            }
        }

        return keys;
    }

    public static TheoryData<string> TemplateNames()
    {
        var names = new TheoryData<string>();
        foreach (ProviderTemplate template in ProviderTemplates.All)
        {
            names.Add(template.Name);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(TemplateNames))]
    public void EachTemplate_LoadsWithoutErrors_AndRoutesToItsProvider(string name)
    {
        using var folder = new TempFolder();
        ProviderTemplate template = ProviderTemplates.Find(name)!;

        ConfigLoadResult loaded = TestLoad.Text(folder, ConfigTemplateWriter.Write(new[] { template }, QuotaPlan.Lite), Keys());

        Assert.True(loaded.Config is not null, TestLoad.Dump(loaded));
        Assert.DoesNotContain(loaded.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        ProviderConfig provider = Assert.Single(loaded.Config!.Providers);
        Assert.Equal(template.ProviderName, provider.Name);
        Assert.Equal(template.TierName, provider.TierName);
        Assert.Equal(template.Models, provider.Models);
        Assert.Equal(template.NeedsKey ? KeyState.Ok : provider.KeyState, provider.KeyState);
        Assert.Equal(template.Route, Assert.Single(loaded.Config.Router.Tiers).ToString());
        Assert.Equal(template.Route, loaded.Config.Router.Default.ToString());
    }

    [Fact]
    public void CodingPlan_IsTheDocumentedProvider_WithThePlansQuota()
    {
        using var folder = new TempFolder();
        string text = ConfigTemplateWriter.Write(ConfigTemplateWriter.Resolve(new[] { "codingplan" }), QuotaPlan.Pro);

        ConfigLoadResult loaded = TestLoad.Text(folder, text);

        ProviderConfig qwen = Assert.Single(loaded.Config!.Providers);
        Assert.Equal("https://coding-intl.dashscope.aliyuncs.com/v1", qwen.ApiBaseUrl);
        Assert.Equal(new[] { "qwen3-coder-plus", "qwen3-max-2026-01-23" }, qwen.Models);
        Assert.Equal(new[] { "anthropic" }, qwen.Transformers);
        Assert.Equal("ccr-qwen", qwen.TierName);
        Assert.Equal("${QWEN_API_KEY}", qwen.ApiKeyTemplate);
        Assert.Equal("pro", qwen.Quota!.Plan);
        Assert.Contains("\"quota\": { \"plan\": \"pro\" }", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-sp-0123456789abcdef", text, StringComparison.Ordinal);
    }

    [Fact]
    public void CodingPlan_WithoutAPlan_LeavesTheQuotaAsACommentToFillIn()
    {
        using var folder = new TempFolder();
        string text = ConfigTemplateWriter.Write(ConfigTemplateWriter.Resolve(new[] { "CodingPlan" }), plan: null);

        ConfigLoadResult loaded = TestLoad.Text(folder, text);

        Assert.Null(Assert.Single(loaded.Config!.Providers).Quota?.Plan);
        Assert.DoesNotContain(loaded.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);

        // Uncommenting the line the comment offers is all it takes.
        string uncommented = text.Replace("// \"quota\": { \"plan\": \"lite\" } //", "\"quota\": { \"plan\": \"lite\" } //", StringComparison.Ordinal);
        Assert.NotEqual(text, uncommented);
        ConfigLoadResult filled = TestLoad.Text(folder, uncommented);
        Assert.Equal("lite", Assert.Single(filled.Config!.Providers).Quota!.Plan);
    }

    [Fact]
    public void AWrittenConfig_TakesEdits_KeepingEveryLineItHad()
    {
        using var folder = new TempFolder();
        string text = ConfigTemplateWriter.Write(ConfigTemplateWriter.Resolve(new[] { "CodingPlan", "Ollama" }), plan: null);
        string path = folder.Write("config.json", text);
        var options = new ConfigEditOptions { LoadOptions = TestLoad.Options(folder) };

        ProviderEditor.SetProvider(path, new ProviderChange { Name = "qwen", Plan = QuotaPlan.Pro }, options);
        ConfigEditResult result = TierEditor.SetTier(path, "ollama,qwen3-coder:30b", 0, options);

        Assert.Equal("pro", result.Config.FindProvider("qwen")!.Quota!.Plan);
        Assert.Equal("ollama,qwen3-coder:30b", result.Config.Router.Tiers[0].ToString());
        string[] after = File.ReadAllText(path).Split('\n');
        string[] moved = { "            \"qwen,qwen3-coder-plus\", // Tier 0: Qwen Coding Plan (Alibaba Cloud Model Studio subscription, Lite or Pro)", "            \"ollama,qwen3-coder:30b\" // Tier 1: Ollama on this machine (OpenAI-compatible, no key)" };
        Assert.All(text.Split('\n').Where(line => !moved.Contains(line)), line => Assert.Contains(line, after));
    }

    [Fact]
    public void SeveralTemplates_FormOneTierChain_InTheOrderGiven()
    {
        using var folder = new TempFolder();
        IReadOnlyList<ProviderTemplate> templates = ConfigTemplateWriter.Resolve(new[] { "Zai", "CodingPlan", "MiniMax", "DeepSeek", "OpenRouter", "Ollama", "zai" });

        ConfigLoadResult loaded = TestLoad.Text(folder, ConfigTemplateWriter.Write(templates, QuotaPlan.Lite), Keys());

        Assert.True(loaded.Config is not null, TestLoad.Dump(loaded));
        Assert.DoesNotContain(loaded.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(6, templates.Count);
        Assert.Equal(templates.Select(t => t.Route), loaded.Config!.Router.Tiers.Select(t => t.ToString()));
        Assert.Equal("zai,glm-5", loaded.Config.Router.Default.ToString());
        Assert.Equal(templates.Select(t => t.ProviderName), loaded.Config.Providers.Select(p => p.Name));
    }

    [Fact]
    public void AnUnknownTemplate_IsRefused_NamingTheKnownOnes()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => ConfigTemplateWriter.Resolve(new[] { "Nope" }));

        Assert.Contains("CodingPlan", error.Message, StringComparison.Ordinal);
        Assert.Contains("LMStudio", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DotEnv_SetsTheKey_KeepsOtherLines_AndIsOwnerOnly()
    {
        using var folder = new TempFolder();
        string env = folder.Write(".env", "# my keys\nexport QWEN_API_KEY=old\nOTHER=1\n");

        DotEnvWriter.Set(env, new Dictionary<string, string> { ["QWEN_API_KEY"] = "sk-sp-new", ["ZAI_API_KEY"] = "abc" });

        Assert.Equal("# my keys\nexport QWEN_API_KEY=sk-sp-new\nOTHER=1\nZAI_API_KEY=abc\n", File.ReadAllText(env));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(env));
        }

        Assert.Single(Directory.GetFiles(folder.Path));
    }
}
