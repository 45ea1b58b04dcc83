using System.Buffers;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tokens;

/// <summary>
/// Base64url decoding of a part of a token, read in place (a span of the token: no substring). Accepts and refuses
/// exactly what IdentityModel's <c>Base64UrlEncoder.DecodeBytes</c> does, which the shape inspection used before.
/// Text of the base64url alphabet only (every part of a token the validator inspects): a length of 4n + 1 is
/// refused, as are unused bits that are not zero in the last character (IdentityModel is strict there), and the
/// rest is decoded by <see cref="Convert.TryFromBase64Chars"/> with <c>-</c>, <c>_</c> read as <c>+</c>, <c>/</c>
/// and the padding added. Any other text goes to IdentityModel's decoder itself (a copy, only for such input).
/// </summary>
internal static class Base64UrlDecoding
{
    private const int StackLimit = 512;
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static readonly SearchValues<char> AlphabetValues = SearchValues.Create(Alphabet);

    /// <summary>The decoded bytes (a new array, sliced to the length decoded), or false when the text is not base64url.</summary>
    public static bool TryDecode(ReadOnlySpan<char> encoded, out ReadOnlyMemory<byte> bytes)
    {
        bytes = default;
        if (encoded.ContainsAnyExcept(AlphabetValues))
        {
            try
            {
                bytes = Base64UrlEncoder.DecodeBytes(encoded.ToString());
                return true;
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                return false;
            }
        }

        var padding = (encoded.Length % 4) switch
        {
            0 => 0,
            2 => 2,
            3 => 1,
            _ => -1,
        };
        // The bits of the last character beyond the last whole byte: 4 of them before two '=', 2 before one.
        if (padding < 0 || (padding > 0 && (Alphabet.IndexOf(encoded[^1], StringComparison.Ordinal) & (padding == 2 ? 0x0F : 0x03)) != 0))
        {
            return false;
        }

        var length = encoded.Length + padding;
        char[]? rented = null;
        var chars = length <= StackLimit ? stackalloc char[StackLimit] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            chars = chars[..length];
            for (var i = 0; i < encoded.Length; i++)
            {
                var c = encoded[i];
                chars[i] = c switch
                {
                    '-' => '+',
                    '_' => '/',
                    _ => c,
                };
            }

            chars[encoded.Length..].Fill('=');
            var buffer = new byte[length / 4 * 3];
            if (!Convert.TryFromBase64Chars(chars, buffer, out var written))
            {
                return false;
            }

            bytes = buffer.AsMemory(0, written);
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}
