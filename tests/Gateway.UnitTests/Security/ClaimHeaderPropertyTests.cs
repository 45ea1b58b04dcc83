using System.Text.Json;
using CsCheck;
using Gateway.Forwarding;

namespace Gateway.UnitTests.Security;

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
            var escaped = ClaimHeaderEncoder.Escape(text);
            Assert.All(escaped, c => Assert.InRange(c, ' ', '~'));
            Assert.DoesNotContain(',', escaped);
            Assert.Equal(text, Uri.UnescapeDataString(escaped));
        }, iter: 3000);
    }

    /// <summary>
    /// The header value is a list: splitting it on <c>,</c> and percent-decoding each part gives back exactly the
    /// claim's items, a string claim being one item (so <c>"user,admin"</c> never reads like <c>["user","admin"]</c>).
    /// </summary>
    [Fact]
    public void SplitOnComma_ThenPercentDecode_RecoversTheItems()
    {
        var text = HostileText.Where(s => !HasLoneSurrogate(s));
        Gen.Select(text.Array[1, 6], Gen.Bool).Sample((items, asArray) =>
        {
            var json = asArray || items.Length > 1 ? JsonSerializer.Serialize(items) : JsonSerializer.Serialize(items[0]);
            using var document = JsonDocument.Parse(json);

            var encoded = ClaimHeaderEncoder.Encode(document.RootElement)!;

            Assert.Equal(items, encoded.Split(',').Select(Uri.UnescapeDataString).ToArray());
        }, iter: 3000);
    }

    /// <summary>An object claim is one item too: its compact JSON, recovered whole by the same split-and-decode.</summary>
    [Fact]
    public void SplitOnComma_ThenPercentDecode_RecoversAnObjectClaim_AsOneItem()
    {
        JsonClaim(2).Select(v => "{\"v\":" + v + ",\"w\":[1,2]}").Sample(json =>
        {
            using var document = JsonDocument.Parse(json);
            string encoded;
            try
            {
                encoded = ClaimHeaderEncoder.Encode(document.RootElement)!;
            }
            catch (InvalidOperationException)
            {
                return; // a lone surrogate: refused as malformed before any header is built
            }

            var items = encoded.Split(',');
            Assert.Single(items);
            using var decoded = JsonDocument.Parse(Uri.UnescapeDataString(items[0]));
            Assert.True(JsonElement.DeepEquals(document.RootElement, decoded.RootElement), json);
        }, iter: 1000);
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
