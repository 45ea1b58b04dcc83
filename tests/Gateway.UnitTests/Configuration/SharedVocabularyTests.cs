using Gateway.Configuration;
using Gateway.Development;
using Gateway.Tokens;

namespace Gateway.UnitTests.Configuration;

/// <summary>The small rules several parts of the gateway share: algorithms, the expected issuer, management paths.</summary>
public sealed class SharedVocabularyTests
{
    [Theory]
    [InlineData("none", true)]
    [InlineData("NONE", true)]
    [InlineData("HS256", true)]
    [InlineData("hs512", true)]
    [InlineData("RS256", false)]
    [InlineData("EdDSA", false)]
    public void NeverAllowedAlgorithms(string algorithm, bool neverAllowed) =>
        Assert.Equal(neverAllowed, SigningAlgorithms.IsNeverAllowed(algorithm));

    [Fact]
    public void NoSupportedAlgorithmIsNeverAllowed() =>
        Assert.DoesNotContain(SigningAlgorithms.Supported, SigningAlgorithms.IsNeverAllowed);

    [Fact]
    public void ExpectedIssuer_IssuerWins_ThenDevelopment_ThenAuthority()
    {
        Assert.Equal("https://iss.example.com", ExpectedIssuer.Of(new IssuerOptions { Authority = "https://idp.example.com", Issuer = "https://iss.example.com" }, "dev"));
        Assert.Equal(DevelopmentIssuerDefaults.Issuer, ExpectedIssuer.Of(new IssuerOptions { Development = true, Authority = "https://idp.example.com" }, DevelopmentIssuerDefaults.Issuer));
        Assert.Equal("https://idp.example.com", ExpectedIssuer.Of(new IssuerOptions { Authority = "https://idp.example.com" }, "dev"));
        Assert.Null(ExpectedIssuer.Of(new IssuerOptions { JwksUri = "https://idp.example.com/jwks" }, "dev"));
    }

    [Fact]
    public void KeySources_AnIssuerThatIntrospectsEveryToken_VerifiesNoSignature()
    {
        var issuer = new IssuerOptions { Authority = "https://idp.example.com" };

        Assert.True(IssuerKeySources.VerifiesSignatures(issuer));
        Assert.False(IssuerKeySources.VerifiesSignatures(issuer with { Introspection = new IntrospectionOptions { Tokens = IntrospectedTokens.All } }));
        Assert.False(IssuerKeySources.VerifiesSignatures(new IssuerOptions { Introspection = new IntrospectionOptions() }));
        Assert.Equal(2, IssuerKeySources.Count(issuer with { MetadataAddress = "https://idp.example.com/meta", JwksFile = "/keys.json" }));
    }

    [Theory]
    [InlineData("/healthz/live", true)]
    [InlineData("/HEALTHZ/READY", true)]
    [InlineData("/healthz", false)]
    [InlineData(null, false)]
    public void ManagementPaths_HealthEndpoints(string? path, bool health) =>
        Assert.Equal(health, ManagementPaths.IsHealth(path));
}
