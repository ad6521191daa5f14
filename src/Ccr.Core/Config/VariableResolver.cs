using System.Text;

namespace Ccr.Core.Config;

/// <summary>
/// Expands <c>${VAR}</c> and <c>$VAR</c> from the environment first, then <c>.env</c> beside the config,
/// then <c>.env</c> in the working directory (the first that defines a non-empty value wins).
/// </summary>
/// <remarks>
/// With <c>ignoreCase</c> (the default on Windows) names match whatever their case, as Windows' own environment
/// does: <c>${qwen_api_key}</c> finds <c>QWEN_API_KEY</c> in <c>.env</c> there, as it finds it in the environment.
/// On Unix the environment is case-sensitive, and so is the lookup.
/// </remarks>
internal sealed class VariableResolver
{
    private readonly IReadOnlyDictionary<string, string?>? _environment;
    private readonly bool _ignoreCase;
    private readonly List<IReadOnlyDictionary<string, string>> _dotEnvFiles = new();

    public VariableResolver(IReadOnlyDictionary<string, string?>? environment, IEnumerable<string> dotEnvPaths, bool ignoreCase)
    {
        _environment = environment;
        _ignoreCase = ignoreCase;
        var seen = new HashSet<string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        StringComparer names = ignoreCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        foreach (string path in dotEnvPaths)
        {
            string full = Path.GetFullPath(path);
            if (seen.Add(full) && File.Exists(full))
            {
                _dotEnvFiles.Add(DotEnvFile.Read(full, names));
                SourceDescription.Add(full);
            }
        }
    }

    /// <summary>The .env files that were read, for messages.</summary>
    public List<string> SourceDescription { get; } = new();

    public bool TryGet(string name, out string value)
    {
        string? fromEnvironment = _environment is null
            ? Environment.GetEnvironmentVariable(name)
            : FromGiven(_environment, name);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            value = fromEnvironment;
            return true;
        }

        foreach (IReadOnlyDictionary<string, string> file in _dotEnvFiles)
        {
            if (file.TryGetValue(name, out string? fromFile) && fromFile.Length > 0)
            {
                value = fromFile;
                return true;
            }
        }

        value = "";
        return false;
    }

    private string? FromGiven(IReadOnlyDictionary<string, string?> environment, string name)
    {
        if (environment.TryGetValue(name, out string? exact) || !_ignoreCase)
        {
            return exact;
        }

        // A given dictionary has its own comparer; match it the way the process environment would on this OS.
        foreach (KeyValuePair<string, string?> entry in environment)
        {
            if (string.Equals(entry.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return entry.Value;
            }
        }

        return null;
    }

    /// <summary>Expands variables in <paramref name="raw"/>; unset ones become empty and are added to <paramref name="missing"/>.</summary>
    public string Expand(string raw, List<string> missing) => Expand(raw, missing, escapeValue: null);

    /// <summary>
    /// The same, passing each value through <paramref name="escapeValue"/> first: a password with '/' or '@' in it stays one
    /// component when it is put into a URL.
    /// </summary>
    public string Expand(string raw, List<string> missing, Func<string, string>? escapeValue)
    {
        int dollar = raw.IndexOf('$', StringComparison.Ordinal);
        if (dollar < 0)
        {
            return raw;
        }

        var result = new StringBuilder(raw.Length);
        int i = 0;
        while (i < raw.Length)
        {
            char c = raw[i];
            if (c != '$' || i + 1 >= raw.Length)
            {
                result.Append(c);
                i++;
                continue;
            }

            string? name = null;
            int next = i + 1;
            if (raw[next] == '{')
            {
                int close = raw.IndexOf('}', next + 1);
                if (close > next + 1 && IsName(raw.AsSpan(next + 1, close - next - 1)))
                {
                    name = raw.Substring(next + 1, close - next - 1);
                    next = close + 1;
                }
            }
            else if (IsNameStart(raw[next]))
            {
                int end = next;
                while (end < raw.Length && IsNamePart(raw[end]))
                {
                    end++;
                }

                name = raw[next..end];
                next = end;
            }

            if (name is null)
            {
                // A lone '$' (in a price, a regex, a password) stays as written.
                result.Append(c);
                i++;
                continue;
            }

            if (TryGet(name, out string value))
            {
                result.Append(escapeValue is null ? value : escapeValue(value));
            }
            else if (!missing.Contains(name))
            {
                missing.Add(name);
            }

            i = next;
        }

        return result.ToString();
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static bool IsName(ReadOnlySpan<char> name)
    {
        if (name.Length == 0 || !IsNameStart(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!IsNamePart(c))
            {
                return false;
            }
        }

        return true;
    }
}
