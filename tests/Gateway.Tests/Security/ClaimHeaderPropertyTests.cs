using System.Text.Json;
using CsCheck;
using Gateway.Forwarding;

namespace Gateway.Tests.Security;

/// <summary>Property-based tests (CsCheck) of the claim header encoder: no claim value, however hostile, yields a control character.</summary>
public sealed class ClaimHeaderPropertyTests
{
    // Every char, with CR, LF, NUL, DEL and non-ASCII made frequent.
    private static readonly Gen<string> HostileText = Gen.String[Gen.OneOf(Gen.Char, Gen.Char["\r\n\0\u007f\t\u0085\u2028%,\" :"]), 0, 80];

    [Fact]
    public void EncodedHeaderValues_HoldOnlyPrintableAscii()
    {
        JsonClaim(3).Sample(json =>
        {
            using var document = JsonDocument.Parse(json);
            string? encoded;
            try
            {
                encoded = ClaimHeaderEncoder.Encode(document.RootElement);
            }
            catch (InvalidOperationException)
            {
                // A lone surrogate: the validator refuses such payloads (malformed) before any header is built.
                return;
            }

            Assert.True(encoded is null || encoded.All(c => c is >= ' ' and <= '~'), encoded);
        }, iter: 3000);
    }

    [Fact]
    public void Escape_RoundTrips_AndHoldsOnlyPrintableAscii()
    {
        HostileText.Where(s => !HasLoneSurrogate(s)).Sample(text =>
        {
            var escaped = ClaimHeaderEncoder.Escape(text, escapeComma: true);
            Assert.All(escaped, c => Assert.InRange(c, ' ', '~'));
            Assert.DoesNotContain(',', escaped);
            Assert.Equal(text, Uri.UnescapeDataString(escaped));
        }, iter: 3000);
    }

    private static Gen<string> JsonClaim(int depth) => depth == 0
        ? Gen.OneOf(HostileText.Select(s => JsonSerializer.Serialize(s)), Gen.Double.Where(double.IsFinite).Select(d => JsonSerializer.Serialize(d)), Gen.Const("true"), Gen.Const("null"))
        : Gen.OneOf(
            JsonClaim(0),
            JsonClaim(depth - 1).Array[0, 4].Select(a => "[" + string.Join(",", a) + "]"),
            Gen.Select(HostileText, JsonClaim(depth - 1)).Array[0, 3].Select(m => "{" + string.Join(",", m.DistinctBy(p => p.Item1).Select(p => JsonSerializer.Serialize(p.Item1) + ":" + p.Item2)) + "}"));

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return true;
            }
        }

        return false;
    }
}
