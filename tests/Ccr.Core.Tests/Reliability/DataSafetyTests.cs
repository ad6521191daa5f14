using System.Diagnostics;
using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Quota;
using Ccr.Core.Routing;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Reliability;

/// <summary>Config and quota files survive concurrent writers, killed writers, corruption and refused edits.</summary>
public class DataSafetyTests
{
    internal const string BaseConfig = """
        {
          // Data-safety fixture: comments must survive every edit.
          "Providers": [
            { "name": "qwen", "api_base_url": "http://127.0.0.1:9/v1", "api_key": "${QWEN_KEY}", "models": ["qwen3-coder-plus"] }
          ],
          "Router": { "default": "qwen,qwen3-coder-plus" },
          "Presets": {}
        }
        """;

    [Fact]
    public async Task TwoProcessesSettingPresetsAtOnce_LoseNoUpdate()
    {
        using var folder = new TempFolder();
        string config = folder.File("config.json");
        await File.WriteAllTextAsync(config, BaseConfig);
        const int each = 25;

        Task<string> a = RunHelperAsync(TimeSpan.FromSeconds(90), "set-presets", config, "a", each.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Task<string> b = RunHelperAsync(TimeSpan.FromSeconds(90), "set-presets", config, "b", each.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string[] outputs = await Task.WhenAll(a, b);

        Assert.All(outputs, o => Assert.Contains("done", o, StringComparison.Ordinal));
        CcrConfig loaded = ConfigLoader.Load(config, Env()).GetConfigOrThrow();
        for (int i = 0; i < each; i++)
        {
            Assert.True(loaded.Presets.ContainsKey("a" + i), "lost preset a" + i);
            Assert.True(loaded.Presets.ContainsKey("b" + i), "lost preset b" + i);
        }

        Assert.Contains("// Data-safety fixture", await File.ReadAllTextAsync(config), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriterKilledMidWrite_NeverLeavesAHalfWrittenConfig()
    {
        using var folder = new TempFolder();
        string config = folder.File("config.json");
        await File.WriteAllTextAsync(config, BaseConfig);
        var rng = new Random(8);
        int kills = 0;
        var sizes = new HashSet<long>();

        for (int round = 0; round < 8; round++)
        {
            using Process writer = StartHelper("churn", config);
            try
            {
                using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                Assert.Equal("ready", await writer.StandardOutput.ReadLineAsync(ready.Token));
                await Task.Delay(rng.Next(50, 400));
            }
            finally
            {
                writer.Kill();
                await writer.WaitForExitAsync();
                kills++;
            }

            ConfigLoadResult loaded = ConfigLoader.Load(config, Env());
            Assert.True(loaded.Success, "round " + round + ": " + string.Join("; ", loaded.Errors.Select(e => e.Message)));
            string text = await File.ReadAllTextAsync(config);
            Assert.Contains("// Data-safety fixture", text, StringComparison.Ordinal);
            sizes.Add(text.Length);
        }

        Assert.Equal(8, kills);
        Assert.True(sizes.Count >= 1);
    }

    [Fact]
    public async Task EditThatWouldNotLoad_IsRefusedAndTheFileIsUntouched()
    {
        using var folder = new TempFolder();
        string config = folder.File("config.json");
        await File.WriteAllTextAsync(config, BaseConfig);
        byte[] before = await File.ReadAllBytesAsync(config);

        ConfigException refused = Assert.Throws<ConfigException>(() => ConfigEditor.SetPreset(config, new PresetChange { Name = "bad", Route = "nosuch,model" }, new ConfigEditOptions { LoadOptions = Env() }));
        ConfigException badValue = Assert.Throws<ConfigException>(() => ConfigEditor.SetValue(config, ["PORT"], System.Text.Json.Nodes.JsonValue.Create(70000), new ConfigEditOptions { LoadOptions = Env() }));

        Assert.Equal("InvalidRoute", refused.FirstErrorCode);
        Assert.NotNull(badValue.FirstErrorCode);
        Assert.Equal(before, await File.ReadAllBytesAsync(config));
        Assert.False(File.Exists(config + ".bak"));
    }

    [Fact]
    public void CorruptQuotaStore_IsMovedAsideAndRebuiltWithAWarning()
    {
        using var folder = new TempFolder();
        string path = folder.File("quota.json");
        File.WriteAllText(path, "{\"providers\": {\"qwen\": [1, 2, tru", Encoding.UTF8);
        var warnings = new List<string>();
        var store = new QuotaStore(path, warnings.Add);

        Assert.Null(store.TryRead());
        store.Update(_ => { }, () => new Dictionary<string, QuotaUsage>(StringComparer.Ordinal));

        Assert.Single(warnings);
        Assert.Contains("moved to", warnings[0], StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(folder.Path, "quota.json.corrupt-*"));
        Assert.NotNull(store.TryRead());
    }

    internal static ConfigLoadOptions Env() => new() { Environment = new Dictionary<string, string?> { ["QWEN_KEY"] = "sk-sp-env-key-000000001234" } };

    internal static Process StartHelper(params string[] args) => StartHelper(args, redirectInput: false);

    internal static Process StartHelper(string command, string config, string folder, bool redirectInput) =>
        StartHelper(new[] { command, config, folder }, redirectInput);

    private static Process StartHelper(string[] args, bool redirectInput)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectInput, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ReliabilityHelper.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["QWEN_KEY"] = "sk-sp-env-key-000000001234";
        return Process.Start(start)!;
    }

    private static async Task<string> RunHelperAsync(TimeSpan timeout, params string[] args)
    {
        using Process process = StartHelper(args);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
            Task<string> stderr = process.StandardError.ReadToEndAsync(cts.Token);
            await process.WaitForExitAsync(cts.Token);
            return await stdout + await stderr;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }
}
