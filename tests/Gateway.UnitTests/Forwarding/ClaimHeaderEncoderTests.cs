using System.Text.Json;
using Gateway.Forwarding;

namespace Gateway.UnitTests.Forwarding;

public sealed class ClaimHeaderEncoderTests
{
    private static string? Encode(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ClaimHeaderEncoder.Encode(document.RootElement);
    }

    [Theory]
    [InlineData("\"alice\"", "alice")]
    [InlineData("\"\"", "")]
    [InlineData("\"a b  c\"", "a b  c")]
    [InlineData("\"~!@#$^&*()_+{}|:<>?`-=[];'./\\\\\\\"\"", "~!@#$^&*()_+{}|:<>?`-=[];'./\\\"")]
    public void String_OfPrintableAsciiWithoutPercentOrComma_IsUnchanged(string json, string expected)
    {
        Assert.Equal(expected, Encode(json));
    }

    [Theory]
    [InlineData("42", "42")]
    [InlineData("-7", "-7")]
    [InlineData("0", "0")]
    [InlineData("42.0", "42.0")]
    [InlineData("1e3", "1e3")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    public void NumbersAndBooleans_AreTheirJsonText(string json, string expected)
    {
        Assert.Equal(expected, Encode(json));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[]")]
    public void NullAndEmptyArray_GiveNoHeader(string json)
    {
        Assert.Null(Encode(json));
    }

    [Theory]
    [InlineData("[\"a\",\"b\"]", "a,b")]
    [InlineData("[\"only\"]", "only")]
    [InlineData("[\"a,b\",\"c\"]", "a%2Cb,c")]
    [InlineData("[\",\"]", "%2C")]
    [InlineData("[1,true,false,2.5]", "1,true,false,2.5")]
    [InlineData("[\"é\",\"100%\"]", "%C3%A9,100%25")]
    [InlineData("[\"a\\r\\nb\"]", "a%0D%0Ab")]
    public void Array_ElementsJoinedWithComma_CommaInElementEscaped(string json, string expected)
    {
        Assert.Equal(expected, Encode(json));
    }

    [Theory]
    [InlineData("\"Smith, Alice\"", "Smith%2C Alice")]
    [InlineData("\"user,admin\"", "user%2Cadmin")]
    [InlineData("\",\"", "%2C")]
    [InlineData("\",,\"", "%2C%2C")]
    public void String_CommaIsEscaped_SoAStringIsAlwaysOneItem(string json, string expected)
    {
        Assert.Equal(expected, Encode(json));
    }

    [Fact]
    public void String_WithCommas_NeverEncodesLikeTheArrayOfItsParts()
    {
        Assert.Equal("user%2Cadmin", Encode("\"user,admin\""));
        Assert.Equal("user,admin", Encode("[\"user\",\"admin\"]"));
        Assert.Equal(Encode("[\"user,admin\"]"), Encode("\"user,admin\"")); // a string is a one-item list
    }

    [Fact]
    public void Array_NestedObjectsAndArrays_AreCompactJson_WithCommasEscaped()
    {
        Assert.Equal("{\"a\":1%2C\"b\":2},[1%2C2],x", Encode("[ {\"a\": 1, \"b\": 2}, [1, 2], \"x\" ]"));
    }

    [Fact]
    public void Array_WithNull_IsJsonText()
    {
        Assert.Equal("a,null", Encode("[\"a\", null]"));
    }

    [Fact]
    public void Object_IsCompactJson_WithCommasEscaped()
    {
        Assert.Equal("{\"tenant\":\"acme\"%2C\"id\":7%2C\"tags\":[\"a\"%2C\"b\"]%2C\"n\":null}", Encode("{ \"tenant\" : \"acme\",\n \"id\": 7, \"tags\": [ \"a\", \"b\" ], \"n\": null }"));
    }

    [Fact]
    public void Object_WithHostileStrings_StaysOnOneLine_AndDecodesToTheSameJson()
    {
        var encoded = Encode("{\"t\":\"a\\r\\nb\",\"p\":\"100%\",\"e\":\"é\"}")!;

        Assert.DoesNotContain('\r', encoded);
        Assert.DoesNotContain('\n', encoded);
        Assert.All(encoded, c => Assert.InRange(c, (char)0x20, (char)0x7E));
        using var decoded = JsonDocument.Parse(Uri.UnescapeDataString(encoded));
        Assert.Equal("a\r\nb", decoded.RootElement.GetProperty("t").GetString());
        Assert.Equal("100%", decoded.RootElement.GetProperty("p").GetString());
        Assert.Equal("é", decoded.RootElement.GetProperty("e").GetString());
    }

    [Theory]
    [InlineData("\"é\"", "%C3%A9")]
    [InlineData("\"José\"", "Jos%C3%A9")]
    [InlineData("\"100%\"", "100%25")]
    [InlineData("\"%41\"", "%2541")]
    [InlineData("\"a\\r\\nX-Injected: 1\"", "a%0D%0AX-Injected: 1")]
    [InlineData("\"a\\u0000b\"", "a%00b")]
    [InlineData("\"a\\tb\"", "a%09b")]
    [InlineData("\"\\u007f\"", "%7F")]
    [InlineData("\"\\u0085\"", "%C2%85")]
    [InlineData("\"\\u2028\"", "%E2%80%A8")]
    [InlineData("\"日本\"", "%E6%97%A5%E6%9C%AC")]
    [InlineData("\"😀\"", "%F0%9F%98%80")]
    public void String_OutsidePrintableAscii_OrPercent_IsPercentEncodedUtf8(string json, string expected)
    {
        Assert.Equal(expected, Encode(json));
    }

    [Fact]
    public void Escape_ALoneSurrogate_BecomesTheReplacementCharacter()
    {
        // Tokens with such strings are refused as malformed before this point; Escape stays safe anyway.
        Assert.Equal("a%EF%BF%BDb", ClaimHeaderEncoder.Escape("a\ud800b"));
        Assert.Equal("%EF%BF%BD", ClaimHeaderEncoder.Escape("\udc00"));
    }

    [Theory]
    [InlineData("[\"\",\"a\"]", ",a")]
    [InlineData("[\"\",\"\"]", ",")]
    [InlineData("[\"a\",\"\"]", "a,")]
    [InlineData("[\"\"]", "")]
    public void Array_EmptyElements_KeepTheirSeparators(string json, string expected)
    {
        Assert.Equal(expected, Encode(json));
    }

    [Fact]
    public void EveryControlAndNonAsciiChar_IsEncoded_AndRoundTrips()
    {
        var all = new string([.. Enumerable.Range(0, 0x300).Select(i => (char)i)]);

        var encoded = ClaimHeaderEncoder.Escape(all);

        Assert.All(encoded, c => Assert.InRange(c, (char)0x20, (char)0x7E));
        Assert.Equal(all, Uri.UnescapeDataString(encoded));
    }

    [Theory]
    [InlineData("a,b", "a%2Cb")]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    public void Escape_AlwaysEncodesComma(string value, string expected)
    {
        Assert.Equal(expected, ClaimHeaderEncoder.Escape(value));
    }

    [Fact]
    public void Escape_ReturnsTheSameInstance_WhenNothingNeedsEncoding()
    {
        var value = "alice@example.com";
        Assert.Same(value, ClaimHeaderEncoder.Escape(value));
    }
}
