using Gateway.Configuration;
using Gateway.Configuration.Validation.Issuers;
using static Gateway.UnitTests.Configuration.RuleContexts;

namespace Gateway.UnitTests.Configuration;

/// <summary>The per-issuer rules, one at a time: each error at the exact path of the setting.</summary>
public sealed class IssuerRuleTests
{
    private static List<ConfigError> RunIssuerRule(IIssuerRule rule, params (string Name, IssuerOptions Issuer)[] issuers)
    {
        var gateway = GoodGateway() with { Issuers = issuers.ToDictionary(i => i.Name, i => i.Issuer) };
        var context = Context(gateway);
        foreach (var (name, issuer) in gateway.Issuers)
        {
            rule.Validate(name, issuer, $"Gateway:Issuers:{name}", context);
        }

        return context.Errors;
    }

    [Fact]
    public void Algorithms_NoneAndHmacAreNeverAllowed_UnknownIsNamed()
    {
        var issuer = Issuer() with { Algorithms = ["RS256", "none", "hs256", "XY1"] };

        var errors = RunIssuerRule(new IssuerAlgorithmRule(), ("main", issuer));

        Assert.Collection(
            errors,
            e => Assert.Equal(("Gateway:Issuers:main:Algorithms:1", "'none' can never be allowed: unsigned tokens are not accepted"), (e.Path, e.Message)),
            e => Assert.Equal("Gateway:Issuers:main:Algorithms:2", e.Path),
            e => Assert.Equal("Gateway:Issuers:main:Algorithms:3", e.Path));
        Assert.Contains("HMAC", errors[1].Message, StringComparison.Ordinal);
        Assert.StartsWith("unknown algorithm 'XY1' (supported: ES256,", errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Identity_AnIssValueOfTwoIssuers_NamesTheFirst()
    {
        var errors = RunIssuerRule(
            new IssuerIdentityRule(),
            ("a", Issuer("https://idp.example.com")),
            ("b", Issuer("https://other.example.com")),
            ("c", Issuer("https://idp.example.com")),
            ("d", Issuer("https://other.example.com") with { Issuer = "https://idp.example.com" }));

        Assert.Equal(
            [
                new ConfigError("Gateway:Issuers:c:Issuer", "'https://idp.example.com' is already the issuer of 'a': each 'iss' value must map to one issuer"),
                new ConfigError("Gateway:Issuers:d:Issuer", "'https://idp.example.com' is already the issuer of 'a': each 'iss' value must map to one issuer"),
            ],
            errors);
    }

    [Fact]
    public void Identity_DevelopmentIssuerOutsideDevelopment_IsRefused()
    {
        var errors = RunIssuerRule(new IssuerIdentityRule(), ("dev", new IssuerOptions { Development = true }));

        var error = Assert.Single(errors);
        Assert.Equal("Gateway:Issuers:dev:Development", error.Path);
    }

    [Fact]
    public void KeySource_NoneOrTwo_AreErrorsOnTheIssuer()
    {
        var errors = RunIssuerRule(
            new IssuerKeySourceRule(),
            ("none", new IssuerOptions { Audiences = ["api"] }),
            ("two", Issuer() with { JwksUri = "https://idp.example.com/jwks" }),
            ("one", Issuer()));

        Assert.Equal(["Gateway:Issuers:none", "Gateway:Issuers:two"], errors.Select(e => e.Path));
        Assert.StartsWith("no key source", errors[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("more than one key source", errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Url_PlainHttpOutsideLoopback_IsRefusedOnItsPath()
    {
        var errors = RunIssuerRule(new IssuerUrlRule(), ("main", new IssuerOptions { Authority = "http://idp.example.com", RequireHttpsMetadata = false }));

        Assert.Equal([new ConfigError("Gateway:Issuers:main:Authority", "plain http is allowed only for loopback addresses or in the Development environment")], errors);
    }

    [Fact]
    public void IssuersRule_KeepsEachIssuersErrorsTogether_InRuleOrder()
    {
        var gateway = GoodGateway() with
        {
            Issuers = new Dictionary<string, IssuerOptions>
            {
                ["a"] = Issuer("https://a.example.com") with { Audiences = [], Algorithms = ["none"] },
                ["b"] = Issuer("https://b.example.com") with { Audiences = [], Algorithms = ["none"] },
            },
        };

        var errors = Run(new IssuersRule(new IssuerAudienceRule(), new IssuerAlgorithmRule()), gateway);

        Assert.Equal(
            ["Gateway:Issuers:a:Audiences", "Gateway:Issuers:a:Algorithms:0", "Gateway:Issuers:b:Audiences", "Gateway:Issuers:b:Algorithms:0"],
            errors.Select(e => e.Path));
    }

    [Fact]
    public void IssuersRule_NoIssuer_IsAnError()
    {
        var errors = Run(new IssuersRule(), GoodGateway() with { Issuers = new Dictionary<string, IssuerOptions>() });

        Assert.Equal("Gateway:Issuers", Assert.Single(errors).Path);
    }
}
