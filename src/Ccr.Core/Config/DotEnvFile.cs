using System.Text;

namespace Ccr.Core.Config;

/// <summary>Reads a <c>.env</c> file: <c>KEY=VALUE</c> lines, <c>#</c> comments, optional quotes and <c>export </c>.</summary>
internal static class DotEnvFile
{
    /// <summary>Reads <paramref name="path"/> with names compared as the OS compares environment names: ignoring case on Windows, exactly elsewhere.</summary>
    public static IReadOnlyDictionary<string, string> Read(string path) =>
        Read(path, OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

    /// <summary>Reads <paramref name="path"/>; a missing or unreadable file reads as empty.</summary>
    /// <param name="path">The file.</param>
    /// <param name="names">How keys compare: ordinal on Unix, ignoring case on Windows (see <see cref="VariableResolver"/>).</param>
    public static IReadOnlyDictionary<string, string> Read(string path, StringComparer names)
    {
        var values = new Dictionary<string, string>(names);
        string[] lines;
        try
        {
            lines = AtomicFile.ReadAllText(path).Split('\n');
        }
        catch (IOException)
        {
            return values;
        }
        catch (UnauthorizedAccessException)
        {
            return values;
        }

        foreach (string rawLine in lines)
        {
            string line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            string key = line[..equals].Trim();
            string value = line[(equals + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
            }
            else
            {
                int comment = value.IndexOf(" #", StringComparison.Ordinal);
                if (comment >= 0)
                {
                    value = value[..comment].TrimEnd();
                }
            }

            values[key] = value;
        }

        return values;
    }
}
