using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Config;

/// <summary>Loads config text written to a temp folder, with a Coding Plan key in the environment.</summary>
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
