using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;
using Gateway.Tokens;

namespace Gateway.Tests.Security;

public sealed class TokenShapeInspectorTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static TokenStatus Inspect(string header, string payload, TokenShapeRules? rules = null) =>
        TokenShapeInspector.Inspect(RawJwt.B64(header), RawJwt.B64(payload), rules ?? TokenShapeRules.Default, Now);

    private static string Payload(string extra = "") => "{\"exp\":1800000300" + extra + "}";

    [Theory]
    [InlineData("at+jwt", "at+jwt", true)]
    [InlineData("AT+JWT", "at+jwt", true)]
    [InlineData("application/at+jwt", "at+jwt", true)]
    [InlineData("Application/AT+JWT", "at+jwt", true)]
    [InlineData("at+jwt", "application/at+jwt", true)]
    [InlineData("JWT", "at+jwt", false)]
    [InlineData("application/jwt", "at+jwt", false)]
    [InlineData("at+jwt ", "at+jwt", false)]
    public void TypeMatches_IsCaseInsensitive_WithOptionalApplicationPrefix(string typ, string required, bool matches) =>
        Assert.Equal(matches, TokenShapeInspector.TypeMatches(typ, required));

    [Fact]
    public void RequiredType_RefusesOtherOrMissingTyp()
    {
        var rules = TokenShapeRules.Default with { RequiredType = "at+jwt" };
        Assert.Equal(TokenStatus.Valid, Inspect("{\"alg\":\"RS256\",\"typ\":\"application/AT+JWT\"}", Payload(), rules));
        Assert.Equal(TokenStatus.WrongType, Inspect("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", Payload(), rules));
        Assert.Equal(TokenStatus.WrongType, Inspect("{\"alg\":\"RS256\"}", Payload(), rules));
        Assert.Equal(TokenStatus.Valid, Inspect("{\"alg\":\"RS256\"}", Payload()));
    }

    [Fact]
    public void MaxLifetime_CountsFromIat_ElseNbf_ElseNow()
    {
        var rules = TokenShapeRules.Default with { MaxLifetime = TimeSpan.FromMinutes(10) };
        Assert.Equal(TokenStatus.Valid, Inspect("{\"alg\":\"RS256\"}", "{\"iat\":1800000000,\"exp\":1800000600}", rules));
        Assert.Equal(TokenStatus.LifetimeTooLong, Inspect("{\"alg\":\"RS256\"}", "{\"iat\":1800000000,\"exp\":1800000601}", rules));
        Assert.Equal(TokenStatus.LifetimeTooLong, Inspect("{\"alg\":\"RS256\"}", "{\"iat\":1799000000,\"exp\":1800000300}", rules));
        Assert.Equal(TokenStatus.LifetimeTooLong, Inspect("{\"alg\":\"RS256\"}", "{\"nbf\":1799990000,\"exp\":1800000300}", rules));
        Assert.Equal(TokenStatus.LifetimeTooLong, Inspect("{\"alg\":\"RS256\"}", "{\"exp\":1800086400}", rules));
    }

    [Fact]
    public void Times_MustBeNumericDates_AndIatNotBeyondTheSkew()
    {
        Assert.Equal(TokenStatus.MissingExpiration, Inspect("{\"alg\":\"RS256\"}", "{}"));
        Assert.Equal(TokenStatus.Malformed, Inspect("{\"alg\":\"RS256\"}", "{\"exp\":\"1800000300\"}"));
        Assert.Equal(TokenStatus.Malformed, Inspect("{\"alg\":\"RS256\"}", "{\"exp\":-1}"));
        Assert.Equal(TokenStatus.Malformed, Inspect("{\"alg\":\"RS256\"}", Payload(",\"iat\":true")));
        Assert.Equal(TokenStatus.Malformed, Inspect("{\"alg\":\"RS256\"}", Payload(",\"nbf\":{}")));
        Assert.Equal(TokenStatus.Valid, Inspect("{\"alg\":\"RS256\"}", Payload(",\"iat\":1800000060")));
        Assert.Equal(TokenStatus.NotYetValid, Inspect("{\"alg\":\"RS256\"}", Payload(",\"iat\":1800000061")));
        Assert.Equal(TokenStatus.Valid, Inspect("{\"alg\":\"RS256\"}", "{\"exp\":1.8000003e9}"));
    }

    [Fact]
    public void SizeAndDepthLimits_AreExact()
    {
        var rules = TokenShapeRules.Default with { MaxHeaderBytes = 64, MaxPayloadBytes = 100, MaxDepth = 3 };
        var header64 = "{\"alg\":\"RS256\",\"x\":\"" + new string('a', 64 - 22) + "\"}";
        Assert.Equal(64, header64.Length);
        Assert.Equal(TokenStatus.Valid, Inspect(header64, Payload(), rules));
        Assert.Equal(TokenStatus.TooLarge, Inspect(header64.Replace("\"x\":\"", "\"x\":\"a", StringComparison.Ordinal), Payload(), rules));
        Assert.Equal(TokenStatus.TooLarge, Inspect("{\"alg\":\"RS256\"}", Payload(",\"p\":\"" + new string('a', 100) + "\""), rules));
        Assert.Equal(TokenStatus.Valid, Inspect("{\"alg\":\"RS256\"}", Payload(",\"d\":[[1]]"), rules));
        Assert.Equal(TokenStatus.Malformed, Inspect("{\"alg\":\"RS256\"}", Payload(",\"d\":[[[1]]]"), rules));
    }

    [Theory]
    [InlineData("{\"alg\":\"none\"}", TokenStatus.DisallowedAlgorithm)]
    [InlineData("{\"alg\":\" None \"}", TokenStatus.DisallowedAlgorithm)]
    [InlineData("{\"alg\":\"\"}", TokenStatus.DisallowedAlgorithm)]
    [InlineData("{\"alg\":\"hs256\"}", TokenStatus.DisallowedAlgorithm)]
    [InlineData("{\"alg\":null}", TokenStatus.Malformed)]
    [InlineData("{\"alg\":\"RS256\",\"crit\":[\"b64\"],\"b64\":true}", TokenStatus.UnsupportedHeader)]
    [InlineData("{\"alg\":\"RS256\",\"b64\":0}", TokenStatus.UnsupportedHeader)]
    [InlineData("{\"alg\":\"RS256\",\"cty\":\"application/jwt\"}", TokenStatus.UnsupportedHeader)]
    [InlineData("{\"alg\":\"RS256\",\"typ\":5}", TokenStatus.Malformed)]
    [InlineData("{\"alg\":\"RS256\",\"ALG\":\"none\"}", TokenStatus.Valid)]
    [InlineData("{\"alg\":\"RS256\",\"alg\":\"RS256\"}", TokenStatus.Malformed)]
    [InlineData("{\"alg\":\"RS256\"} ", TokenStatus.Valid)]
    [InlineData("{\"alg\":\"RS256\"}{}", TokenStatus.Malformed)]
    [InlineData("\"alg\"", TokenStatus.Malformed)]
    public void Header_Rules(string header, object expected) => Assert.Equal((TokenStatus)expected, Inspect(header, Payload()));

    [Fact]
    public void UndecodableParts_AreMalformed()
    {
        Assert.Equal(TokenStatus.Malformed, TokenShapeInspector.Inspect("A", RawJwt.B64(Payload()), TokenShapeRules.Default, Now));
        Assert.Equal(TokenStatus.Malformed, TokenShapeInspector.Inspect("", RawJwt.B64(Payload()), TokenShapeRules.Default, Now));
        Assert.Equal(TokenStatus.Malformed, TokenShapeInspector.Inspect(RawJwt.B64("{\"alg\":\"RS256\"}"), Convert.ToBase64String([0xff, 0xfe, 0x00]), TokenShapeRules.Default, Now));
    }
}

/// <summary>The per-issuer options RequiredType and MaxTokenLifetime, through the real gateway.</summary>
public sealed class IssuerTokenRulesTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public IssuerTokenRulesTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task RequiredType_And_MaxTokenLifetime_AreEnforced()
    {
        _fixture.Downstream.Clear();
        var config = _fixture.Config();
        config.Issuer["RequiredType"] = "at+jwt";
        config.Issuer["MaxTokenLifetime"] = "00:15:00";
        await using var gateway = await config.StartAsync();
        var rsa = _fixture.Idp.Key("rsa-1");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string Token(string typ, long lifetime) => RawJwt.SignRaw(
            "{\"alg\":\"RS256\",\"kid\":\"rsa-1\"" + (typ.Length > 0 ? ",\"typ\":\"" + typ + "\"" : "") + "}",
            $"{{\"iss\":\"{_fixture.Idp.Issuer}\",\"aud\":\"api\",\"sub\":\"a\",\"iat\":{now},\"exp\":{now + lifetime}}}",
            rsa);

        Assert.Equal(200, (int)(await gateway.Client.GetWithTokenAsync("/api/x", Token("at+jwt", 600))).StatusCode);
        Assert.Equal(200, (int)(await gateway.Client.GetWithTokenAsync("/api/x", Token("application/AT+JWT", 600))).StatusCode);
        var wrongType = await gateway.Client.GetWithTokenAsync("/api/x", Token("JWT", 600));
        var noType = await gateway.Client.GetWithTokenAsync("/api/x", Token("", 600));
        var tooLong = await gateway.Client.GetWithTokenAsync("/api/x", Token("at+jwt", 3600));

        Assert.Equal("Bearer error=\"invalid_token\", error_description=\"the token type is not accepted\"", wrongType.Challenge());
        Assert.Equal("Bearer error=\"invalid_token\", error_description=\"the token type is not accepted\"", noType.Challenge());
        Assert.Equal("Bearer error=\"invalid_token\", error_description=\"the token lifetime is too long\"", tooLong.Challenge());
        Assert.Equal(2, _fixture.Downstream.Received.Count);
    }
}
