using System.Security.Cryptography;
using System.Text;

namespace Gateway.Hosting;

/// <summary>
/// The key of a management endpoint (the revocation endpoint's, the dashboard's), read from the active configuration at
/// every request: a reload that rotates a leaked key applies to the next request, and the old key never keeps working.
/// Compared as SHA-256 hashes in constant time: hashes have equal lengths, so the comparison time says nothing about
/// the key, not even its length. The key is hashed once per change, not per request.
/// </summary>
internal sealed class ManagementApiKey
{
    private readonly Func<string?> _current;
    private volatile HashedKey? _hashed; // the hash of the key last read: it changes only with a reload

    public ManagementApiKey(Func<string?> current)
    {
        _current = current;
    }

    /// <summary>Whether the active configuration sets a key.</summary>
    public bool IsSet => CurrentHash() is not null;

    /// <summary>Whether <paramref name="presented"/> is the active key; never when no key is set.</summary>
    public bool Matches(string? presented)
    {
        var keyHash = CurrentHash();
        return keyHash is not null && presented is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), keyHash);
    }

    private byte[]? CurrentHash()
    {
        var key = _current();
        var hashed = _hashed;
        if (hashed is null || !string.Equals(hashed.Key, key, StringComparison.Ordinal))
        {
            hashed = new HashedKey(key, key is null ? null : Hash(key.Trim()));
            _hashed = hashed;
        }

        return hashed.Hash;
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    private sealed record HashedKey(string? Key, byte[]? Hash);
}
