using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.SenderConstraints;

/// <summary>
/// Server nonces for DPoP proofs (RFC 9449 §8), stateless so that every replica of a fleet accepts every other's:
/// <c>base64url(issued-at seconds, 8 bytes big-endian ‖ first 16 bytes of HMAC-SHA256(key, issued-at))</c>, valid for
/// <c>NonceLifetime</c> after it was issued. The key comes from <c>Gateway:Dpop:NonceKey</c> (the same on every replica).
/// A nonce is not single-use: replays are stopped by the proof's <c>jti</c>; the nonce bounds how early a proof can be
/// made (a pre-computed proof is useless once its nonce expired).
/// </summary>
internal sealed class DpopNonces
{
    private const int MacLength = 16;
    private readonly byte[] _key;
    private readonly TimeSpan _lifetime;
    private readonly TimeSpan _skew;

    public DpopNonces(string key, TimeSpan lifetime, TimeSpan skew)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = SHA256.HashData(Encoding.UTF8.GetBytes("jwtgw-dpop-nonce\n" + key));
        _lifetime = lifetime;
        _skew = skew;
    }

    /// <summary>A new nonce issued at <paramref name="now"/>.</summary>
    public string Issue(DateTimeOffset now)
    {
        Span<byte> nonce = stackalloc byte[8 + MacLength];
        BinaryPrimitives.WriteInt64BigEndian(nonce, now.ToUnixTimeSeconds());
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, nonce[..8], mac);
        mac[..MacLength].CopyTo(nonce[8..]);
        return Base64UrlEncoder.Encode(nonce.ToArray());
    }

    /// <summary>Whether <paramref name="nonce"/> was issued by a replica holding the key, no longer than the lifetime ago; <paramref name="age"/> is its age.</summary>
    public bool IsValid(string? nonce, DateTimeOffset now, out TimeSpan age)
    {
        age = TimeSpan.Zero;
        if (nonce is null || nonce.Length != 32)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Base64UrlEncoder.DecodeBytes(nonce);
        }
        catch (FormatException)
        {
            return false;
        }

        if (bytes.Length != 8 + MacLength)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, bytes.AsSpan(0, 8), mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], bytes.AsSpan(8)))
        {
            return false;
        }

        var issued = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(BinaryPrimitives.ReadInt64BigEndian(bytes), 0, 253_402_300_799));
        age = now - issued;
        return age <= _lifetime && age >= -_skew;
    }

    /// <summary>Whether a valid nonce of this age should be replaced (the response then carries a fresh one): past half its lifetime.</summary>
    public bool ShouldRefresh(TimeSpan age) => age > _lifetime / 2;
}
