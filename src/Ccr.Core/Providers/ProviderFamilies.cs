using System.Text;
using System.Text.Json;
using Ccr.Core.Config;

namespace Ccr.Core.Providers;

/// <summary>
/// The registry of provider families: picks the family for a host or a provider, and answers the questions that
/// span every family (is this an error body, which key prefixes exist). Adding a family is one line here.
/// </summary>
internal static class ProviderFamilies
{
    // The first family is the one the documented example is about; its URL is the example in generic messages.
    // Order decides only when a provider's host and its transformer names point at different families.
    private static readonly ProviderFamily[] s_families =
    {
        new DashScopeFamily(),
        new DeepSeekFamily(),
        new ZaiFamily(),
        new MiniMaxFamily(),
        new OpenRouterFamily(),
    };

    private static readonly ProviderFamily s_generic = new GenericFamily();
    private static readonly ProviderFamily[] s_all = [.. s_families, s_generic];
    private static readonly string[] s_keyPrefixes = CollectKeyPrefixes();
    private static readonly byte[][] s_errorMembers = CollectErrorMembers();

    /// <summary>Every family, the generic one last.</summary>
    public static IReadOnlyList<ProviderFamily> All => s_all;

    /// <summary>The family for endpoints no other family claims.</summary>
    public static ProviderFamily Generic => s_generic;

    /// <summary>A base URL for examples in messages that are about no provider in particular.</summary>
    public static string ExampleBaseUrl => s_families[0].ExampleBaseUrl;

    /// <summary>Every family's key prefixes, longest first so <c>sk-or-v1-</c> wins over <c>sk-</c>.</summary>
    public static IReadOnlyList<string> KeyPrefixes => s_keyPrefixes;

    /// <summary>Top-level member names that mark an error body in any family's shape, as UTF-8.</summary>
    public static IReadOnlyList<byte[]> ErrorMemberNames => s_errorMembers;

    /// <summary>The family whose hosts include <paramref name="url"/>'s, else <see cref="Generic"/>: for key, host and error-hint questions.</summary>
    public static ProviderFamily ForHost(Uri url)
    {
        foreach (ProviderFamily family in s_families)
        {
            if (family.Matches(url))
            {
                return family;
            }
        }

        return s_generic;
    }

    /// <summary>
    /// The family whose request quirks <paramref name="provider"/> gets: the first whose hosts include its endpoint's
    /// or whose transformer names it uses (a gateway in front of a vendor), else <see cref="Generic"/>.
    /// </summary>
    public static ProviderFamily For(ProviderConfig provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        foreach (ProviderFamily family in s_families)
        {
            if (family.Matches(provider.Endpoint) || UsesAny(provider.Transformers, family.TransformerNames))
            {
                return family;
            }
        }

        return s_generic;
    }

    /// <summary>Adds every family's transformer names to <paramref name="names"/> and returns it.</summary>
    public static HashSet<string> WithTransformerNames(HashSet<string> names)
    {
        foreach (ProviderFamily family in s_families)
        {
            names.UnionWith(family.TransformerNames);
        }

        return names;
    }

    /// <summary>
    /// What is known about <paramref name="key"/> on <paramref name="url"/>: the host's family's own rules first,
    /// then whether the key is one that only another family's hosts take.
    /// </summary>
    public static ProviderKeyCheck CheckKey(string providerName, Uri url, string key, string keyHint)
    {
        ProviderFamily own = ForHost(url);
        if (own.CheckKey(providerName, url, key, keyHint) is ProviderKeyCheck problem)
        {
            return problem;
        }

        foreach (ProviderFamily family in s_families)
        {
            if (!ReferenceEquals(family, own) && family.CheckForeignKey(url, key, keyHint) is ProviderKeyCheck foreign)
            {
                return foreign;
            }
        }

        return new ProviderKeyCheck(ProviderKeyVerdict.Fits, null, own.KeyFitsMessage(url, keyHint));
    }

    /// <summary>Reads an error body in any family's shape, the common <c>{"error": ...}</c> first; null when it is none.</summary>
    public static ProviderErrorFields? ReadError(JsonElement root)
    {
        if (s_generic.ReadError(root) is ProviderErrorFields common)
        {
            return common;
        }

        foreach (ProviderFamily family in s_families)
        {
            if (family.ReadError(root) is ProviderErrorFields own)
            {
                return own;
            }
        }

        return null;
    }

    // Errors are read with every family's vocabulary, not only the provider's: gateways and resellers pass other
    // vendors' errors through unchanged.

    /// <summary>Whether any family reads the error as a refused key.</summary>
    public static bool IsAuthFailure(in UpstreamErrorText error)
    {
        foreach (ProviderFamily family in s_all)
        {
            if (family.IsAuthFailure(error))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The strongest limit any family reads in the error (<see cref="ProviderFamily.ReadLimitMessage"/>).</summary>
    public static UpstreamLimit ReadLimitMessage(in UpstreamErrorText error)
    {
        UpstreamLimit strongest = UpstreamLimit.None;
        foreach (ProviderFamily family in s_all)
        {
            strongest = UpstreamLimit.Stronger(strongest, family.ReadLimitMessage(error));
        }

        return strongest;
    }

    /// <summary>Whether any family reads the error as a prompt longer than the context.</summary>
    public static bool IsContextTooLong(in UpstreamErrorText error)
    {
        foreach (ProviderFamily family in s_all)
        {
            if (family.IsContextTooLong(error))
            {
                return true;
            }
        }

        return false;
    }

    private static bool UsesAny(IReadOnlyList<string> used, IReadOnlyList<string> names)
    {
        foreach (string name in used)
        {
            foreach (string candidate in names)
            {
                if (string.Equals(name, candidate, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string[] CollectKeyPrefixes()
    {
        var prefixes = new List<string>();
        foreach (ProviderFamily family in s_all)
        {
            foreach (string prefix in family.KeyPrefixes)
            {
                if (!prefixes.Contains(prefix))
                {
                    prefixes.Add(prefix);
                }
            }
        }

        prefixes.Sort(static (a, b) => b.Length.CompareTo(a.Length));
        return prefixes.ToArray();
    }

    private static byte[][] CollectErrorMembers()
    {
        var names = new List<byte[]>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (ProviderFamily family in s_all)
        {
            foreach (string name in family.ErrorMemberNames)
            {
                if (seen.Add(name))
                {
                    names.Add(Encoding.UTF8.GetBytes(name));
                }
            }
        }

        return names.ToArray();
    }
}
