using Gateway.Configuration;
using Gateway.Configuration.Validation.Routes;
using Yarp.ReverseProxy.Configuration;
using static Gateway.UnitTests.Configuration.RuleContexts;

namespace Gateway.UnitTests.Configuration;

/// <summary>The per-route rules, one at a time, on a route of the smallest valid configuration.</summary>
public sealed class RouteRuleTests
{
    private static List<ConfigError> RunRouteRule(IRouteRule rule, RouteConfig route, GatewayOptions? gateway = null)
    {
        var context = Context(gateway ?? GoodGateway(), Proxy(route));
        rule.Validate(route, RouteMetadata.Read(route), $"ReverseProxy:Routes:{route.RouteId}", context);
        return context.Errors;
    }

    [Fact]
    public void Policy_Unknown_IsReportedOnTheMetadataKey()
    {
        var errors = RunRouteRule(new RoutePolicyRule(), Route(metadata: new() { ["Policy"] = "admin" }));

        Assert.Equal([new ConfigError("ReverseProxy:Routes:r:Metadata:Policy", "unknown policy 'admin' (configured: orders, public)")], errors);
    }

    [Fact]
    public void ShadowPolicy_OnAnAnonymousRoute_HasNothingToJudge()
    {
        var errors = RunRouteRule(new RoutePolicyRule(), Route(metadata: new() { ["Policy"] = "public", ["ShadowPolicy"] = "orders" }));

        var error = Assert.Single(errors);
        Assert.Equal("ReverseProxy:Routes:r:Metadata:ShadowPolicy", error.Path);
        Assert.StartsWith("the route's policy 'public' is anonymous", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShadowPolicy_OnTheDefaultPolicy_IsJudgedAgainstIt()
    {
        var gateway = GoodGateway() with { DefaultPolicy = "orders" };

        Assert.Empty(RunRouteRule(new RoutePolicyRule(), Route(metadata: new() { ["ShadowPolicy"] = "orders" }), gateway));
    }

    [Fact]
    public void ClaimHeader_ReservedHeader_IsReportedOnTheKeyAsWritten()
    {
        var errors = RunRouteRule(new RouteClaimHeadersRule(), Route(metadata: new() { ["claimheader.Authorization"] = "sub", ["ClaimHeader.X-Tenant"] = "org..tenant" }));

        Assert.Equal(
            [
                new ConfigError("ReverseProxy:Routes:r:Metadata:claimheader.Authorization", "'Authorization' is reserved and cannot carry a claim"),
                new ConfigError("ReverseProxy:Routes:r:Metadata:ClaimHeader.X-Tenant", "'org..tenant' is not a claim path"),
            ],
            errors);
    }

    [Fact]
    public void PassHeaders_OnlyRoutingHeadersTheGatewayStrips()
    {
        var errors = RunRouteRule(new RoutePassHeadersRule(), Route(metadata: new() { ["PassHeaders"] = "X-Real-IP, Authorization" }));

        var error = Assert.Single(errors);
        Assert.Equal("ReverseProxy:Routes:r:Metadata:PassHeaders", error.Path);
        Assert.StartsWith("'Authorization' is not a header the gateway strips by default", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hosts_WithATrailingDot_AreReportedByIndex()
    {
        var route = Route() with { Match = new RouteMatch { Hosts = ["api.example.com", "api.example.com.", "api.example.com.:8443"] } };

        var errors = RunRouteRule(new RouteHostsRule(), route);

        Assert.Equal(["ReverseProxy:Routes:r:Match:Hosts:1", "ReverseProxy:Routes:r:Match:Hosts:2"], errors.Select(e => e.Path));
    }

    [Theory]
    [InlineData("backend", false)]
    [InlineData("BACKEND", false)] // cluster ids are case-insensitive, as in YARP
    [InlineData("missing", true)]
    public void Cluster_MustBeConfigured(string clusterId, bool refused)
    {
        var errors = RunRouteRule(new RouteClusterRule(), Route() with { ClusterId = clusterId });

        Assert.Equal(refused ? [new ConfigError("ReverseProxy:Routes:r:ClusterId", $"unknown cluster '{clusterId}'")] : [], errors);
    }

    [Fact]
    public void RateLimiterPolicy_Unknown_PointsToGatewayRateLimits()
    {
        var errors = RunRouteRule(new RouteRateLimitRule(), Route() with { RateLimiterPolicy = "perUser" });

        Assert.Equal([new ConfigError("ReverseProxy:Routes:r:RateLimiterPolicy", "unknown rate-limit policy 'perUser': define it in Gateway:RateLimits (see docs/rate-limits.md)")], errors);
    }
}
