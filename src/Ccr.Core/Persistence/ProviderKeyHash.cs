using System.Security.Cryptography;
using System.Text;
using Ccr.Core.Config;

namespace Ccr.Core.Persistence;

/// <summary>
/// Names a provider and its key in shared state without the key: the first 16 hex digits of SHA-256 over the provider's
/// name and its API key. Two machines with the same provider entry (name and key) meet on the same Redis keys; nothing in
/// Redis lets anyone recover the key, and rotating the key starts fresh counts, as the new key's quota does upstream.
/// </summary>
internal static class ProviderKeyHash
{
    /// <summary>The hash of <paramref name="provider"/>'s name and key.</summary>
    public static string Of(ProviderConfig provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return Of(provider.Name, provider.ApiKey);
    }

    /// <summary>The hash of a provider name and key (the key may be missing: keyless local providers share by name).</summary>
    public static string Of(string name, string? apiKey)
    {
        byte[] input = Encoding.UTF8.GetBytes(name.ToLowerInvariant() + "\n" + (apiKey ?? ""));
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(input, digest);
        return Convert.ToHexString(digest[..8]).ToLowerInvariant();
    }
}
