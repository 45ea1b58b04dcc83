using Gateway.Tokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.UnitTests.Tokens;

// The shape inspection decodes a token's parts in place; it must accept and refuse exactly what IdentityModel's
// Base64UrlEncoder.DecodeBytes (which it used before) accepts and refuses, byte for byte.
public class Base64UrlDecodingTests
{
    [Theory]
    [InlineData("eyJhbGciOiJSUzI1NiJ9")]  // {"alg":"RS256"}
    [InlineData("eyJhIjoxfQ")]            // two characters of padding missing
    [InlineData("-_-_")]                  // the base64url characters
    [InlineData("")]
    public void Decodes_what_IdentityModel_decodes(string text)
    {
        Assert.True(Base64UrlDecoding.TryDecode(text, out var bytes));
        Assert.Equal(Base64UrlEncoder.DecodeBytes(text), bytes.ToArray());
    }

    [Theory]
    [InlineData("a")]       // 4n + 1 characters
    [InlineData("eyJ")]     // unused bits of the last character not zero
    [InlineData("YR")]
    [InlineData("c2y")]
    [InlineData("eyJé")]    // not base64 at all (IdentityModel's own decoder decides)
    public void Refuses_what_IdentityModel_refuses(string text)
    {
        Assert.ThrowsAny<Exception>(() => Base64UrlEncoder.DecodeBytes(text));
        Assert.False(Base64UrlDecoding.TryDecode(text, out _));
    }

    [Fact]
    public void Agrees_with_IdentityModel_on_random_text()
    {
        // Mostly the alphabet, plus what a hostile part may hold: standard base64, padding, whitespace, a dot, non-ASCII.
        const string characters = "ABCabcxyz0129-_+/= \n\t.é";
        var random = new Random(20261202);
        for (var n = 0; n < 50_000; n++)
        {
            var text = new string(Enumerable.Range(0, random.Next(0, n % 100 == 0 ? 700 : 14)).Select(_ => characters[random.Next(characters.Length)]).ToArray());
            byte[]? expected;
            try
            {
                expected = Base64UrlEncoder.DecodeBytes(text);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                expected = null;
            }

            var decoded = Base64UrlDecoding.TryDecode(text, out var bytes);
            Assert.True(decoded == (expected is not null), $"'{text}': IdentityModel {(expected is null ? "refuses" : "accepts")} it");
            if (decoded)
            {
                Assert.Equal(expected, bytes.ToArray());
            }
        }
    }
}
