using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Ccr.Core.Tests;

/// <summary>
/// What users read (messages in the code, help, README, docs, the module and examples) speaks of their config and
/// their commands, never of the document this project was built from ("the seed"), which they have never seen.
/// </summary>
public sealed class UserWordsTests
{
    // The word's other meaning, a random-number seed, is fine: the fuzz runs are replayed by one.
    private static readonly Regex s_allowed = new(@"random seed|CCR_FUZZ_SEED", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex s_seed = new("seed", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    [Fact]
    public void NoStringLiteralInTheSource_SaysSeed()
    {
        var offenders = new List<string>();
        foreach (string file in Files(Path.Combine(RepoRoot(), "src"), "*.cs"))
        {
            foreach ((int line, string literal) in StringLiterals(File.ReadAllText(file)))
            {
                if (SaysSeed(literal))
                {
                    offenders.Add(Relative(file) + ":" + line + ": " + literal);
                }
            }
        }

        Assert.Empty(offenders);
    }

    [Fact]
    public void NoHelpReadmeDocOrModuleLine_SaysSeed()
    {
        string root = RepoRoot();
        IEnumerable<string> files = Files(Path.Combine(root, "docs", "help"), "*")
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md"))
            .Concat(Files(Path.Combine(root, "module"), "*"))
            .Concat(Files(Path.Combine(root, "examples"), "*"))
            .Append(Path.Combine(root, "README.md"));
        var offenders = new List<string>();
        foreach (string file in files)
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (SaysSeed(lines[i]))
                {
                    offenders.Add(Relative(file) + ":" + (i + 1) + ": " + lines[i].Trim());
                }
            }
        }

        Assert.Empty(offenders);
    }

    [Fact]
    public void TheLiteralReader_FindsEveryKindOfString_AndSkipsComments()
    {
        const string code = """
            // the seed in a comment is not shown to anyone
            /* nor "seed" here */
            char q = '"';
            string a = "plain \" seed one";
            string b = @"verbatim "" seed two";
            string c = $"interpolated {x} seed three";
            string d = "unrelated";
            """;
        string raw = "string e = \"\"\"\n    raw seed four\n    \"\"\";";

        string[] found = StringLiterals(code + "\n" + raw).Select(l => l.Text).Where(SaysSeed).ToArray();

        Assert.Equal(4, found.Length);
        Assert.Contains("seed four", found[3], StringComparison.Ordinal);
        Assert.False(SaysSeed("replayed from random seed 13704459 (CCR_FUZZ_SEED)"));
    }

    private static bool SaysSeed(string text) => s_seed.IsMatch(s_allowed.Replace(text, ""));

    /// <summary>The string literals of C# source with their line: regular, verbatim, interpolated and raw; comments and char literals skipped.</summary>
    private static List<(int Line, string Text)> StringLiterals(string source)
    {
        var literals = new List<(int, string)>();
        int line = 1;
        int i = 0;
        while (i < source.Length)
        {
            char c = source[i];
            if (c == '\n')
            {
                line++;
                i++;
            }
            else if (c == '/' && i + 1 < source.Length && source[i + 1] == '/')
            {
                while (i < source.Length && source[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < source.Length && source[i + 1] == '*')
            {
                int end = source.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? source.Length : end + 2;
                line += Count(source, i, end, '\n');
                i = end;
            }
            else if (c == '\'')
            {
                // A char literal: '"' must not open a string.
                i++;
                while (i < source.Length && source[i] != '\'' && source[i] != '\n')
                {
                    i += source[i] == '\\' ? 2 : 1;
                }

                i++;
            }
            else if (c == '"')
            {
                bool verbatim = i > 0 && (source[i - 1] == '@' || (source[i - 1] == '$' && i > 1 && source[i - 2] == '@'));
                int start = i;
                int quotes = 0;
                while (i + quotes < source.Length && source[i + quotes] == '"')
                {
                    quotes++;
                }

                int end;
                if (quotes >= 3)
                {
                    string fence = new('"', quotes);
                    end = source.IndexOf(fence, start + quotes, StringComparison.Ordinal);
                    end = end < 0 ? source.Length : end + quotes;
                    literals.Add((line, source[(start + quotes)..Math.Max(start + quotes, end - quotes)]));
                }
                else
                {
                    var text = new StringBuilder();
                    int j = start + 1;
                    while (j < source.Length)
                    {
                        if (verbatim && source[j] == '"' && j + 1 < source.Length && source[j + 1] == '"')
                        {
                            text.Append('"');
                            j += 2;
                        }
                        else if (source[j] == '"' || (!verbatim && source[j] == '\n'))
                        {
                            break;
                        }
                        else if (!verbatim && source[j] == '\\' && j + 1 < source.Length)
                        {
                            text.Append(source[j + 1]);
                            j += 2;
                        }
                        else
                        {
                            text.Append(source[j]);
                            j++;
                        }
                    }

                    end = Math.Min(j + 1, source.Length);
                    literals.Add((line, text.ToString()));
                }

                line += Count(source, start, end, '\n');
                i = end;
            }
            else
            {
                i++;
            }
        }

        return literals;
    }

    private static int Count(string text, int from, int to, char c)
    {
        int n = 0;
        for (int k = from; k < to && k < text.Length; k++)
        {
            n += text[k] == c ? 1 : 0;
        }

        return n;
    }

    private static IEnumerable<string> Files(string folder, string pattern) =>
        Directory.GetFiles(folder, pattern, SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                     && !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal));

    private static string Relative(string path) => Path.GetRelativePath(RepoRoot(), path);

    private static string RepoRoot()
    {
        string? folder = AppContext.BaseDirectory;
        while (folder is not null && !File.Exists(Path.Combine(folder, "Ccr.sln")))
        {
            folder = Path.GetDirectoryName(folder);
        }

        return folder ?? throw new InvalidOperationException("Ccr.sln not found above " + AppContext.BaseDirectory);
    }
}
