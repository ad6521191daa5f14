using System.Text.RegularExpressions;
using Xunit;

namespace Ccr.Core.Tests;

/// <summary>
/// The rules of docs/ARCHITECTURE.md that a reader relies on, checked over the source tree so that a
/// change that breaks one fails here instead of quietly eroding the layout.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly string s_core = Path.Combine(RepoRoot(), "src", "Ccr.Core");

    [Fact]
    public void HttpLayer_AndProtocol_DoNotDependOnRouting()
    {
        string[] offenders = SourceFiles(Path.Combine(s_core, "Server", "Http"))
            .Concat(SourceFiles(Path.Combine(s_core, "Protocol")))
            .Where(f => File.ReadAllLines(f).Any(l => l.Trim() == "using Ccr.Core.Routing;"))
            .Select(Relative)
            .ToArray();

        Assert.Empty(offenders);
    }

    [Fact]
    public void OnlyTheProvidersFolder_NamesAProviderFamily()
    {
        string providers = Path.Combine(s_core, "Providers") + Path.DirectorySeparatorChar;
        string[] offenders = SourceFiles(Path.Combine(RepoRoot(), "src"))
            .Where(f => !f.StartsWith(providers, StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains("dashscope", StringComparison.OrdinalIgnoreCase))
            .Select(Relative)
            .ToArray();

        Assert.Empty(offenders);
    }

    [Fact]
    public void Core_DoesNotReferencePowerShell()
    {
        string[] offenders = SourceFiles(s_core)
            .Where(f => File.ReadAllText(f).Contains("System.Management.Automation", StringComparison.Ordinal))
            .Select(Relative)
            .ToArray();

        Assert.Empty(offenders);
        Assert.DoesNotMatch(@"(?:PackageReference|ProjectReference)\s+Include=""[^""]*PowerShell", File.ReadAllText(Path.Combine(s_core, "Ccr.Core.csproj")));
    }

    [Fact]
    public void NoSourceFile_IsLongerThan950Lines()
    {
        string[] offenders = SourceFiles(Path.Combine(RepoRoot(), "src"))
            .Where(f => File.ReadLines(f).Count() > 950)
            .Select(Relative)
            .ToArray();

        Assert.Empty(offenders);
    }

    [Fact]
    public void EachCoreFile_HoldsOneTopLevelType_NamedLikeTheFile()
    {
        var topLevelType = new Regex(@"^(?:public|internal)\s+(?:(?:sealed|static|abstract|readonly|partial|record|ref)\s+)*(?:class|struct|enum|record|interface)\s+(?:struct\s+|class\s+)?(\w+)", RegexOptions.Multiline);
        var offenders = new List<string>();
        foreach (string file in SourceFiles(s_core))
        {
            string[] names = topLevelType.Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value).ToArray();
            if (names.Length > 1 || (names.Length == 1 && names[0] != Path.GetFileNameWithoutExtension(file)))
            {
                offenders.Add(Relative(file) + ": " + string.Join(", ", names));
            }
        }

        Assert.Empty(offenders);
    }

    private static IEnumerable<string> SourceFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal));

    private static string Relative(string path) => Path.GetRelativePath(RepoRoot(), path);

    private static string RepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ccr.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Ccr.sln not found above " + AppContext.BaseDirectory);
    }
}
