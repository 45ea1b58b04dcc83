using Gateway.Configuration;
using Gateway.Configuration.Validation;
using static Gateway.UnitTests.Configuration.RuleContexts;

namespace Gateway.UnitTests.Configuration;

/// <summary>Section rules in isolation: one change of the smallest valid configuration, the exact path of the error.</summary>
public sealed class SectionRuleTests
{
    [Fact]
    public void Policies_AnEmptyGroupDeepInside_IsReportedWhereItIs()
    {
        var policy = new PolicyOptions { AllOf = [new RequirementOptions { AnyOf = [new RequirementOptions { Scopes = ["a"] }, new RequirementOptions()] }] };
        var gateway = GoodGateway() with { Policies = new Dictionary<string, PolicyOptions> { ["p"] = policy } };

        var error = Assert.Single(Run(new PoliciesRule(), gateway));

        Assert.Equal("Gateway:Policies:p:AllOf:0:AnyOf:1", error.Path);
        Assert.StartsWith("empty requirement group", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policies_AnAnonymousDefault_IsRefused()
    {
        var error = Assert.Single(Run(new PoliciesRule(), GoodGateway() with { DefaultPolicy = "public" }));

        Assert.Equal("Gateway:DefaultPolicy", error.Path);
    }

    [Fact]
    public void IdentityHeaders_ARouteClaimHeaderNamingTheIssuerHeader_IsRefusedOnTheRoute()
    {
        var proxy = Proxy(Route("r", new() { ["ClaimHeader.x-auth-issuer"] = "iss" }));

        var error = Assert.Single(Run(new IdentityHeadersRule(), GoodGateway(), proxy));

        Assert.Equal("ReverseProxy:Routes:r:Metadata:ClaimHeader.x-auth-issuer", error.Path);
        Assert.Equal("'X-Auth-Issuer' is the issuer header (Gateway:IssuerHeader); only the gateway sets it", error.Message);
    }

    [Fact]
    public void RateLimits_AKeyPartListedTwice_IsReportedOnTheSecond()
    {
        var gateway = GoodGateway() with
        {
            RateLimits = new Dictionary<string, RateLimitPolicyOptions> { ["perUser"] = new() { Limit = 10, Window = TimeSpan.FromSeconds(1), Key = ["$issuer", "sub", "sub"] } },
        };

        Assert.Equal([new ConfigError("Gateway:RateLimits:perUser:Key:2", "'sub' is listed twice")], Run(new RateLimitsRule(), gateway));
    }

    [Theory]
    [InlineData("/metrics", null)]
    [InlineData("/HealthZ/Live", "'/HealthZ/Live' is a health endpoint")]
    [InlineData("metrics", "'metrics' is not a literal path: it starts with '/' and has no spaces, '?', '#', '{', '}' or '*'")]
    public void Operations_MetricsPath(string path, string? message)
    {
        var gateway = GoodGateway() with { Observability = new ObservabilityOptions { Prometheus = new() { Path = path } } };

        var errors = Run(new OperationsRule(), gateway);

        Assert.Equal(message is null ? [] : [new ConfigError("Gateway:Observability:Prometheus:Path", message)], errors);
    }
}
