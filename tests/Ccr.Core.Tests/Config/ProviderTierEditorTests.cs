using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Config;

/// <summary>Set/Remove of providers and tiers: the expected text is the original with only the edited span changed, so any other byte that moves fails the test.</summary>
public class ProviderTierEditorTests
{
    private const string Commented = """
        // Ccr config: every comment here must survive an edit.
        {
            /* providers */
            "Providers": [
                {
                    "name": "qwen", // the plan
                    "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1",
                    "api_key": "${QWEN_API_KEY}",
                    "models": ["qwen3-coder-plus", "qwen3-max-2026-01-23"],
                    "tier_name": "ccr-qwen"
                },
                // the local one
                {
                    "name": "local",
                    "api_base_url": "http://127.0.0.1:11434/v1",
                    "models": ["coder"] // pulled already
                }
            ],
            "Router": {
                "default": "qwen,qwen3-coder-plus",
                "tiers": [
                    "qwen,qwen3-coder-plus", // Tier 0
                    "qwen,qwen3-max-2026-01-23" // Tier 1
                ]
            },
            "Presets": {
                "coding_qwen": { "route": "qwen,qwen3-coder-plus" } // warm
            },
            "unknown_key": { "kept": true }
        }

        """;

    private static ConfigEditOptions Options(TempFolder folder) => new() { LoadOptions = TestLoad.Options(folder) };

    private static string Replace(string text, string from, string to)
    {
        Assert.Contains(from, text, StringComparison.Ordinal);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    [Fact]
    public void SetProvider_ChangesOnlyTheGivenMembers()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigEditResult result = ProviderEditor.SetProvider(path, new ProviderChange { Name = "LOCAL", Models = new[] { "coder", "coder-large" }, TierName = "ccr-local" }, Options(folder));

        string expected = Replace(Commented,
            "            \"models\": [\"coder\"] // pulled already\n",
            "            \"models\": [\"coder\", \"coder-large\"], // pulled already\n            \"tier_name\": \"ccr-local\"\n");
        Assert.Equal(expected, File.ReadAllText(path));
        Assert.Equal("ccr-local", result.Config.FindProvider("local")!.TierName);
        Assert.Equal(Commented, File.ReadAllText(path + ".bak"));
    }

    [Fact]
    public void SetProvider_SetsThePlanAndPricingInsideTheProvider()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigEditResult result = ProviderEditor.SetProvider(path, new ProviderChange { Name = "qwen", Plan = QuotaPlan.Lite, InputPricePerMillion = 0, OutputPricePerMillion = 0 }, Options(folder));

        string expected = Replace(Commented,
            "            \"tier_name\": \"ccr-qwen\"\n",
            "            \"tier_name\": \"ccr-qwen\",\n            \"quota\": {\n                \"plan\": \"lite\"\n            },\n            \"pricing\": {\n                \"input_per_million_tokens\": 0,\n                \"output_per_million_tokens\": 0\n            }\n");
        Assert.Equal(expected, File.ReadAllText(path));
        Assert.Equal(1200, result.Config.FindProvider("qwen")!.Quota!.FiveHourLimit);
    }

    [Fact]
    public void SetProvider_AddsANewProviderAfterTheLast_WithItsKeyAsAVariable()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ProviderEditor.SetProvider(path, new ProviderChange { Name = "deepseek", BaseUrl = "https://api.deepseek.com", Models = new[] { "deepseek-chat" }, KeyVariable = "DEEPSEEK_API_KEY" }, Options(folder));

        string expected = Replace(Commented,
            "            \"models\": [\"coder\"] // pulled already\n        }\n",
            "            \"models\": [\"coder\"] // pulled already\n        },\n        {\n            \"name\": \"deepseek\",\n            \"api_base_url\": \"https://api.deepseek.com\",\n            \"api_key\": \"${DEEPSEEK_API_KEY}\",\n            \"models\": [\"deepseek-chat\"]\n        }\n");
        Assert.Equal(expected, File.ReadAllText(path));
    }

    [Fact]
    public void SetProvider_ANewProviderWithoutUrlOrModels_IsRefused_AndTheFileStays()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigException error = Assert.Throws<ConfigException>(() => ProviderEditor.SetProvider(path, new ProviderChange { Name = "new", TierName = "x" }, Options(folder)));

        Assert.Equal("ProviderIncomplete", error.FirstErrorCode);
        Assert.Equal(Commented, File.ReadAllText(path));
        Assert.False(File.Exists(path + ".bak"));
    }

    [Fact]
    public void SetProvider_ABadUrl_IsRefused_AndTheFileStays()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        Assert.Throws<ConfigException>(() => ProviderEditor.SetProvider(path, new ProviderChange { Name = "local", BaseUrl = "not a url" }, Options(folder)));

        Assert.Equal(Commented, File.ReadAllText(path));
    }

    [Fact]
    public void KeyVariableOf_ReusesTheVariableTheProviderAlreadyNames()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        Assert.Equal("QWEN_API_KEY", ProviderEditor.KeyVariableOf(path, "Qwen"));
        Assert.Equal("LOCAL_API_KEY", ProviderEditor.KeyVariableOf(path, "local"));
        Assert.Equal("MY_GATEWAY_API_KEY", ProviderEditor.KeyVariableFor("my-gateway"));
    }

    [Fact]
    public void RemoveProvider_WhileUsed_IsRefusedNamingEachUse()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigException error = Assert.Throws<ConfigException>(() => ProviderEditor.RemoveProvider(path, "qwen", force: false, Options(folder)));

        Assert.Equal("ProviderInUse", error.FirstErrorCode);
        Assert.Contains("Router.default", error.Message, StringComparison.Ordinal);
        Assert.Contains("Router.tiers[1]", error.Message, StringComparison.Ordinal);
        Assert.Contains("preset 'coding_qwen'", error.Message, StringComparison.Ordinal);
        Assert.Equal(Commented, File.ReadAllText(path));
    }

    [Fact]
    public void RemoveProvider_Unused_RemovesOnlyItsEntry()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigEditResult result = ProviderEditor.RemoveProvider(path, "local", force: false, Options(folder));

        string expected = Replace(Commented,
            "        },\n        // the local one\n        {\n            \"name\": \"local\",\n            \"api_base_url\": \"http://127.0.0.1:11434/v1\",\n            \"models\": [\"coder\"] // pulled already\n        }\n",
            "        }\n        // the local one\n");
        Assert.Equal(expected, File.ReadAllText(path));
        Assert.Single(result.Config.Providers);
    }

    [Fact]
    public void RemoveProvider_WithForce_RemovesAUsedOne()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigEditResult result = ProviderEditor.RemoveProvider(path, "qwen", force: true, Options(folder));

        Assert.Equal("local", Assert.Single(result.Config.Providers).Name);
        string after = File.ReadAllText(path);
        Assert.Contains("\"unknown_key\": { \"kept\": true }", after, StringComparison.Ordinal);
        Assert.Contains("// Tier 0", after, StringComparison.Ordinal);
        Assert.DoesNotContain("// the plan", after, StringComparison.Ordinal);
    }

    [Fact]
    public void SetTier_AddsANewRouteLast_OnItsOwnLine()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigEditResult result = TierEditor.SetTier(path, "local,coder", position: null, Options(folder));

        string expected = Replace(Commented,
            "            \"qwen,qwen3-max-2026-01-23\" // Tier 1\n",
            "            \"qwen,qwen3-max-2026-01-23\", // Tier 1\n            \"local,coder\"\n");
        Assert.Equal(expected, File.ReadAllText(path));
        Assert.Equal("local,coder", result.Config.Router.Tiers[2].ToString());
    }

    [Fact]
    public void SetTier_InsertsAtAPosition()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        TierEditor.SetTier(path, "local,coder", position: 0, Options(folder));

        string expected = Replace(Commented,
            "            \"qwen,qwen3-coder-plus\", // Tier 0\n",
            "            \"local,coder\",\n            \"qwen,qwen3-coder-plus\", // Tier 0\n");
        Assert.Equal(expected, File.ReadAllText(path));
    }

    [Fact]
    public void SetTier_MovesAnExistingRoute()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigEditResult result = TierEditor.SetTier(path, "qwen,qwen3-max-2026-01-23", position: 0, Options(folder));

        Assert.Equal(new[] { "qwen,qwen3-max-2026-01-23", "qwen,qwen3-coder-plus" }, result.Config.Router.Tiers.Select(t => t.ToString()));
        string after = File.ReadAllText(path);
        int start = Commented.IndexOf("        \"tiers\": [", StringComparison.Ordinal);
        int end = Commented.IndexOf("        ]\n    },", StringComparison.Ordinal);
        Assert.Equal(Commented[..start], after[..start]);
        Assert.EndsWith(Commented[end..], after, StringComparison.Ordinal);
    }

    [Fact]
    public void SetTier_InAOneLineArray_StaysOnOneLine()
    {
        using var folder = new TempFolder();
        string oneLine = Commented.Replace("[\n            \"qwen,qwen3-coder-plus\", // Tier 0\n            \"qwen,qwen3-max-2026-01-23\" // Tier 1\n        ]", "[\"qwen,qwen3-coder-plus\"]", StringComparison.Ordinal);
        string path = folder.Write("config.json", oneLine);

        TierEditor.SetTier(path, "local,coder", position: 0, Options(folder));
        TierEditor.SetTier(path, "qwen,qwen3-max-2026-01-23", position: null, Options(folder));

        Assert.Equal(Replace(oneLine, "[\"qwen,qwen3-coder-plus\"]", "[\"local,coder\", \"qwen,qwen3-coder-plus\", \"qwen,qwen3-max-2026-01-23\"]"), File.ReadAllText(path));
    }

    [Fact]
    public void SetTier_AnUnknownModelOrABadPosition_IsRefused_AndTheFileStays()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        Assert.Equal("InvalidRoute", Assert.Throws<ConfigException>(() => TierEditor.SetTier(path, "local,missing", null, Options(folder))).FirstErrorCode);
        Assert.Equal("InvalidPosition", Assert.Throws<ConfigException>(() => TierEditor.SetTier(path, "local,coder", 5, Options(folder))).FirstErrorCode);
        Assert.Equal(Commented, File.ReadAllText(path));
    }

    [Fact]
    public void RemoveTier_RemovesItsLineAndComment_Only()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Commented);

        ConfigEditResult first = TierEditor.RemoveTier(path, "qwen,qwen3-coder-plus", Options(folder));
        ConfigEditResult again = TierEditor.RemoveTier(path, "qwen,qwen3-coder-plus", Options(folder));

        Assert.True(first.Changed);
        Assert.False(again.Changed);
        Assert.Equal(Replace(Commented, "            \"qwen,qwen3-coder-plus\", // Tier 0\n", ""), File.ReadAllText(path));
    }
}
