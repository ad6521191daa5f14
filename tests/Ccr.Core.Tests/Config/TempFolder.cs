using Ccr.Core.Config;

namespace Ccr.Core.Tests.Config;

/// <summary>A unique folder under the system temp path, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ccr-tests-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string text)
    {
        string file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, text);
        return file;
    }

    public string File_(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class TestLoad
{
    public static readonly IReadOnlyDictionary<string, string?> s_qwenKey =
        new Dictionary<string, string?> { ["QWEN_API_KEY"] = "sk-sp-0123456789abcdef" };

    public static ConfigLoadOptions Options(TempFolder folder, IReadOnlyDictionary<string, string?>? env = null) =>
        new() { Environment = env ?? s_qwenKey, WorkingDirectory = folder.Path };

    public static ConfigLoadResult Text(TempFolder folder, string json, IReadOnlyDictionary<string, string?>? env = null)
    {
        string path = folder.Write("config.json", json);
        return ConfigLoader.Load(path, Options(folder, env));
    }

    public static string Seed => File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed-full.jsonc"));

    public static string Dump(ConfigLoadResult result) => string.Join(Environment.NewLine, result.Diagnostics);
}
