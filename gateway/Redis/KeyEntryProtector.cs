using System.Security.Cryptography;
using System.Text;

namespace Gateway.Redis;

/// <summary>
/// Signs and verifies shared cache entries with HMAC-SHA256 under the replicas' shared integrity
/// key. The signed text includes the issuer and source, so an entry cannot be moved to another
/// issuer or URL either.
/// </summary>
internal sealed class KeyEntryProtector
{
    private readonly byte[] _key;

    public KeyEntryProtector(string integrityKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(integrityKey);
        _key = SHA256.HashData(Encoding.UTF8.GetBytes(integrityKey));
    }

    public string Sign(string payload) => Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(payload)));

    public bool Verify(string payload, string? mac)
    {
        if (string.IsNullOrEmpty(mac))
        {
            return false;
        }

        Span<byte> given = stackalloc byte[32];
        if (!Convert.TryFromBase64String(mac, given, out var written) || written != 32)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(payload));
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
