using Gateway.Configuration;
using Gateway.Configuration.Validation;
using Gateway.Configuration.Validation.Routes;
using Yarp.ReverseProxy.Configuration;
using static Gateway.UnitTests.Configuration.RuleContexts;

namespace Gateway.UnitTests.Configuration;

/// <summary>The thin validator: every rule runs, in a fixed order, and the error list keeps that order.</summary>
public sealed class GatewayConfigValidatorTests
{
    [Fact]
    public async Task SmallestValidConfiguration_PassesEveryRule()
    {
        var errors = await new GatewayConfigValidator(proxyValidator: null).ValidateAsync(GoodGateway(), Proxy(Route()), "Production");

        Assert.Empty(errors);
    }

    [Fact]
    public async Task Errors_ComeInRuleOrder_SectionsThenEachRoute()
    {
        var gateway = GoodGateway() with
        {
            Issuers = new Dictionary<string, IssuerOptions> { ["main"] = Issuer() with { Algorithms = ["none"] } },
            Limits = new LimitOptions { MaxTokenLength = 10 },
        };
        var proxy = Proxy(Route("a", new() { ["Policy"] = "nope" }), Route("b") with { ClusterId = "nope" });

        var errors = await new GatewayConfigValidator(proxyValidator: null).ValidateAsync(gateway, proxy, "Production");

        Assert.Equal(
            ["Gateway:Issuers:main:Algorithms:0", "Gateway:Limits:MaxTokenLength", "ReverseProxy:Routes:a:Metadata:Policy", "ReverseProxy:Routes:b:ClusterId"],
            errors.Select(e => e.Path));
    }

    [Fact]
    public async Task ComposesTheRulesItIsGiven_InOrder()
    {
        var seen = new List<string>();
        var validator = new GatewayConfigValidator(
            proxyValidator: null,
            [new Recording("first", seen), new Recording("second", seen)],
            [new RecordingRoute(seen)]);

        var errors = await validator.ValidateAsync(GoodGateway(), Proxy(Route("x"), Route("y")), "Development");

        Assert.Equal(["first", "second", "route x", "route y"], seen);
        Assert.Equal(["first", "second", "ReverseProxy:Routes:x", "ReverseProxy:Routes:y"], errors.Select(e => e.Path));
    }

    private sealed class Recording(string name, List<string> seen) : IConfigRule
    {
        public void Validate(ConfigValidationContext context)
        {
            Assert.True(context.IsDevelopment);
            seen.Add(name);
            context.Add(name, "recorded");
        }
    }

    private sealed class RecordingRoute(List<string> seen) : IRouteRule
    {
        public void Validate(RouteConfig route, RouteMetadata metadata, string path, ConfigValidationContext context)
        {
            seen.Add($"route {route.RouteId}");
            context.Add(path, "recorded");
        }
    }
}
