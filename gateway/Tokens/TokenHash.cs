using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Tokens;

/// <summary>
/// The SHA-256 of a whole token (its ASCII bytes), as a value: the validated-token cache's key. Two
/// tokens share a hash only if SHA-256 collides, so a cached verdict is never applied to another token.
/// </summary>
internal readonly struct TokenHash : IEquatable<TokenHash>
{
    private const int StackLimit = 2048;
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    private TokenHash(ReadOnlySpan<byte> digest)
    {
        _a = MemoryMarshal.Read<ulong>(digest);
        _b = MemoryMarshal.Read<ulong>(digest[8..]);
        _c = MemoryMarshal.Read<ulong>(digest[16..]);
        _d = MemoryMarshal.Read<ulong>(digest[24..]);
    }

    /// <summary>Hashes <paramref name="token"/>; false (not cacheable) when it is not all ASCII, which no valid compact JWS is.</summary>
    public static bool TryCompute(ReadOnlySpan<char> token, out TokenHash hash)
    {
        byte[]? rented = null;
        var ascii = token.Length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(token.Length));
        try
        {
            if (Ascii.FromUtf16(token, ascii, out var written) != OperationStatus.Done)
            {
                hash = default;
                return false;
            }

            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(ascii[..written], digest);
            hash = new TokenHash(digest);
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The digest as 64 lowercase hex digits: the token's name in a shared cache (the token itself is never stored).</summary>
    public string ToHex()
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        MemoryMarshal.Write(digest, in _a);
        MemoryMarshal.Write(digest[8..], in _b);
        MemoryMarshal.Write(digest[16..], in _c);
        MemoryMarshal.Write(digest[24..], in _d);
        return Convert.ToHexStringLower(digest);
    }

    public bool Equals(TokenHash other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is TokenHash other && Equals(other);

    // The digest is uniformly distributed: any 32 bits of it make a good hash code.
    public override int GetHashCode() => (int)_a;

    public static bool operator ==(TokenHash left, TokenHash right) => left.Equals(right);

    public static bool operator !=(TokenHash left, TokenHash right) => !left.Equals(right);
}
