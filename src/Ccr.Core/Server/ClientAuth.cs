using System.Security.Cryptography;
using System.Text;

namespace Ccr.Core.Server;

/// <summary>Checks the client's key against APIKEY without leaking, through timing, how much of it matched.</summary>
internal sealed class ClientAuth
{
    private readonly byte[]? _expectedHash;

    public ClientAuth(string? apiKey)
    {
        _expectedHash = string.IsNullOrEmpty(apiKey) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));
    }

    public bool Required => _expectedHash is not null;

    /// <summary>True when no key is required, or <c>x-api-key</c> or <c>Authorization: Bearer</c> carries the right one.</summary>
    public bool IsAuthorized(string? xApiKey, string? authorization)
    {
        if (_expectedHash is null)
        {
            return true;
        }

        string? presented = xApiKey;
        if (string.IsNullOrEmpty(presented) && authorization is not null &&
            authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = authorization[7..].Trim();
        }

        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        // Hashing first gives equal-length inputs, so the comparison time says nothing about the key.
        byte[] presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(presentedHash, _expectedHash);
    }
}
