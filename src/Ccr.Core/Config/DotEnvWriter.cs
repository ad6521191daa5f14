using System.Text;

namespace Ccr.Core.Config;

/// <summary>
/// Sets variables in a <c>.env</c> file (the place Ccr keeps provider keys, beside the config): a variable's
/// existing line is replaced where it stands, new ones are appended, every other line (comments, other keys,
/// <c>export</c> prefixes) stays as it was. The file is written owner-only and atomically (<see cref="AtomicFile"/>).
/// </summary>
public static class DotEnvWriter
{
    /// <summary>The <c>.env</c> beside <paramref name="configPath"/>, the one the loader reads for that config.</summary>
    /// <param name="configPath">The config file.</param>
    public static string PathBeside(string configPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? ".", ".env");

    /// <summary>Writes <paramref name="values"/> into the <c>.env</c> at <paramref name="envPath"/>, creating it when missing.</summary>
    /// <param name="envPath">The <c>.env</c> file.</param>
    /// <param name="values">Variable names and values; a value may not span lines.</param>
    public static void Set(string envPath, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(envPath);
        ArgumentNullException.ThrowIfNull(values);
        foreach (KeyValuePair<string, string> pair in values)
        {
            if (pair.Key.Length == 0 || pair.Key.AsSpan().IndexOfAny("= \t\r\n#") >= 0)
            {
                throw new ArgumentException($"'{pair.Key}' is not a variable name for .env.", nameof(values));
            }

            if (pair.Value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                throw new ArgumentException($"The value for {pair.Key} spans lines; .env takes one line per variable.", nameof(values));
            }
        }

        string existing = File.Exists(envPath) ? File.ReadAllText(envPath) : "";
        AtomicFile.WriteAllBytes(envPath, new UTF8Encoding(false).GetBytes(Merge(existing, values)), ownerOnly: true);
    }

    /// <summary>The text of <paramref name="existing"/> with <paramref name="values"/> set (see the class remarks).</summary>
    /// <param name="existing">The current <c>.env</c> text, or empty.</param>
    /// <param name="values">Variable names and values.</param>
    public static string Merge(string existing, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(values);
        string newLine = existing.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        // Windows environment names ignore case, so MY_API_KEY and my_api_key are one variable there.
        StringComparer names = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        var wanted = new Dictionary<string, string>(values, names);
        var pending = new HashSet<string>(values.Keys, names);
        var text = new StringBuilder(existing.Length + 64);
        string[] lines = existing.Length == 0 ? Array.Empty<string>() : existing.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            bool lastPiece = i == lines.Length - 1;
            if (lastPiece && line.Length == 0)
            {
                // The text ended with a line break; it is already written.
                break;
            }

            string? name = NameOf(line, out string prefix);
            if (name is not null && wanted.TryGetValue(name, out string? value))
            {
                line = prefix + name + "=" + Format(value);
                pending.Remove(name);
            }

            text.Append(line).Append(newLine);
        }

        foreach (KeyValuePair<string, string> pair in values)
        {
            if (pending.Contains(pair.Key))
            {
                text.Append(pair.Key).Append('=').Append(Format(pair.Value)).Append(newLine);
            }
        }

        return text.ToString();
    }

    private static string? NameOf(string line, out string prefix)
    {
        prefix = "";
        string trimmed = line.TrimStart();
        if (trimmed.Length == 0 || trimmed[0] == '#')
        {
            return null;
        }

        if (trimmed.StartsWith("export ", StringComparison.Ordinal))
        {
            prefix = "export ";
            trimmed = trimmed["export ".Length..].TrimStart();
        }

        int equals = trimmed.IndexOf('=', StringComparison.Ordinal);
        return equals <= 0 ? null : trimmed[..equals].Trim();
    }

    private static string Format(string value)
    {
        // The reader strips matching quotes and cuts a " #" comment from unquoted values.
        if (value.AsSpan().IndexOfAny(" \t#\"'") < 0)
        {
            return value;
        }

        return value.Contains('"', StringComparison.Ordinal) ? "'" + value + "'" : "\"" + value + "\"";
    }
}
