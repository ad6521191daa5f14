using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Config;

public class ConfigWatcherTests
{
    private const string Good = """{ "PORT": 4001 }""";

    [Fact]
    public async Task Watcher_ReloadsWhenTheFileChanges()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Good);
        using var watcher = new ConfigWatcher(path, TestLoad.Options(folder), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200));
        var reloaded = new TaskCompletionSource<CcrConfig>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Reloaded += (_, config) => reloaded.TrySetResult(config);
        Assert.Equal(4001, watcher.Current.Port);

        File.WriteAllText(path, """{ "PORT": 4002 }""");

        CcrConfig next = await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4002, next.Port);
        Assert.Equal(4002, watcher.Current.Port);
    }

    [Fact]
    public async Task Watcher_KeepsTheLastGoodConfigWhenTheFileBreaks()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", Good);
        using var watcher = new ConfigWatcher(path, TestLoad.Options(folder), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200));
        var failed = new TaskCompletionSource<IReadOnlyList<ConfigDiagnostic>>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.ReloadFailed += (_, diagnostics) => failed.TrySetResult(diagnostics);

        File.WriteAllText(path, "{ \"PORT\": 4003,, }");

        IReadOnlyList<ConfigDiagnostic> diagnostics = await failed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("SyntaxError", Assert.Single(diagnostics).Code);
        Assert.Equal(4001, watcher.Current.Port);
        Assert.Same(diagnostics, watcher.LastFailure);
    }

    [Fact]
    public void Watcher_PicksUpEditorWrites()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", """{ "Providers": [ { "name": "q", "api_base_url": "https://example.com/v1", "models": ["m"] } ] }""");
        using var watcher = new ConfigWatcher(path, TestLoad.Options(folder), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100));
        using var reloaded = new ManualResetEventSlim();
        watcher.Reloaded += (_, _) => reloaded.Set();

        ConfigEditor.SetPreset(path, new PresetChange { Name = "p", Route = "q,m" }, new ConfigEditOptions { LoadOptions = TestLoad.Options(folder) });

        Assert.True(reloaded.Wait(TimeSpan.FromSeconds(10)));
        Assert.True(watcher.Current.Presets.ContainsKey("p"));
    }

    [Fact]
    public void Watcher_OnAnInvalidFile_Throws()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", "{ nope");
        ConfigException ex = Assert.Throws<ConfigException>(() => new ConfigWatcher(path, TestLoad.Options(folder)));
        Assert.Equal("SyntaxError", ex.FirstErrorCode);
    }
}
