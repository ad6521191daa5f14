using System.Text.RegularExpressions;
using Ccr.Core.Providers;

namespace Ccr.Core.Telemetry;

/// <summary>
/// Keeps API keys out of logs, errors and displays. Known secrets (provider keys, <c>APIKEY</c>) are
/// registered once per process; <see cref="Redact"/> replaces them, and anything that looks like a
/// credential in a header (<c>Bearer ...</c>, <c>x-api-key: ...</c>) or an <c>sk-</c> key, with a hint
/// that identifies the key to its owner without revealing it.
/// </summary>
public static partial class SecretRedactor
{
    /// <summary>Secrets shorter than this are not registered: replacing them would mangle ordinary text.</summary>
    public const int MinimumSecretLength = 6;

    private const string Ellipsis = "\u2026";
    private const int HintMinimumLength = 12;

    // Every provider family's key prefixes, longest first, so sk-or-v1- wins over sk-.
    private static readonly IReadOnlyList<string> s_knownPrefixes = ProviderFamilies.KeyPrefixes;

    private static readonly object s_gate = new();
    private static string[] s_secrets = [];

    /// <summary>
    /// A display form of <paramref name="key"/>: its well-known prefix and last four characters (<c>sk-sp-…abcd</c>);
    /// just <c>…</c> for keys shorter than 12 characters, and an empty string for none.
    /// </summary>
    public static string Hint(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "";
        }

        if (key.Length < HintMinimumLength)
        {
            return Ellipsis;
        }

        string prefix = "";
        foreach (string known in s_knownPrefixes)
        {
            // The prefix is kept only when enough of the key follows it to stay secret.
            if (key.StartsWith(known, StringComparison.Ordinal) && key.Length - known.Length >= 8)
            {
                prefix = known;
                break;
            }
        }

        return prefix + Ellipsis + key[^4..];
    }

    /// <summary>Adds <paramref name="secret"/> to the secrets every later <see cref="Redact"/> call removes.</summary>
    public static void Register(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinimumSecretLength)
        {
            return;
        }

        lock (s_gate)
        {
            if (Array.IndexOf(s_secrets, secret) >= 0)
            {
                return;
            }

            // Copy on write: readers take the array without a lock. Longest first so a key that contains another is replaced whole.
            var next = new string[s_secrets.Length + 1];
            s_secrets.CopyTo(next, 0);
            next[^1] = secret;
            Array.Sort(next, static (a, b) => b.Length.CompareTo(a.Length));
            s_secrets = next;
        }
    }

    /// <summary>Replaces registered secrets and credential-looking values in <paramref name="text"/> with their hints.</summary>
    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        string result = text;
        string[] secrets = Volatile.Read(ref s_secrets);
        foreach (string secret in secrets)
        {
            if (result.Contains(secret, StringComparison.Ordinal))
            {
                result = result.Replace(secret, Hint(secret), StringComparison.Ordinal);
            }
        }

        if (result.Contains("bearer", StringComparison.OrdinalIgnoreCase))
        {
            result = BearerPattern().Replace(result, static m => m.Groups[1].Value + HintUnlessHinted(m.Groups[2].Value));
        }

        if (result.Contains("api-key", StringComparison.OrdinalIgnoreCase) || result.Contains("api_key", StringComparison.OrdinalIgnoreCase))
        {
            result = ApiKeyPattern().Replace(result, static m => m.Groups[1].Value + HintUnlessHinted(m.Groups[2].Value));
        }

        if (result.Contains("sk-", StringComparison.Ordinal))
        {
            result = SkKeyPattern().Replace(result, static m => HintUnlessHinted(m.Value));
        }

        return result;
    }

    /// <summary>Forgets every registered secret (tests).</summary>
    internal static void ClearForTests()
    {
        lock (s_gate)
        {
            s_secrets = [];
        }
    }

    // Already-hinted values and ${VAR} templates are not secrets; leave them readable.
    private static string HintUnlessHinted(string value) =>
        value.Contains(Ellipsis, StringComparison.Ordinal) || value.StartsWith('$') ? value : Hint(value);

    [GeneratedRegex(@"(\bBearer\s+)([^\s""',;}\]]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerPattern();

    [GeneratedRegex(@"(\b(?:x-api-key|api[-_]key)""?\s*[:=]\s*""?)([^\s""',;}\]]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ApiKeyPattern();

    [GeneratedRegex(@"\bsk-[A-Za-z0-9][A-Za-z0-9_\-]{15,}", RegexOptions.CultureInvariant)]
    private static partial Regex SkKeyPattern();
}
