using Gateway.Enforcement;
using Gateway.Forwarding;
using Gateway.Observability;
using Gateway.Policies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.UnitTests.Enforcement;

/// <summary>
/// A route plan judges only requests YARP matched with the route and cluster configuration it was compiled from,
/// and lets them go only to that configuration's destination addresses (the reload race itself is reproduced
/// through the real gateway in <c>ReloadConsistencyTests</c>).
/// </summary>
public sealed class RouteBindingTests
{
    private static readonly RouteConfig Route = new()
    {
        RouteId = "r",
        ClusterId = "c",
        Match = new RouteMatch { Path = "/r/{**rest}" },
        Metadata = new Dictionary<string, string> { ["Policy"] = "anon" },
    };

    private static readonly ClusterConfig Cluster = new()
    {
        ClusterId = "c",
        Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = "http://public.internal/" } },
    };

    private static RoutePlan Plan() => new(Route, Cluster, PolicyCompiler.BuiltInDefault, ClaimHeaderPlan.Empty);

    [Fact]
    public void IsBound_ToItsOwnConfiguration_AndToAnEqualCopy()
    {
        var plan = Plan();

        Assert.True(plan.IsBoundTo(Route, Cluster));
        // YARP keeps its previous object when a reload leaves a route or cluster unchanged.
        var copy = Route with { Metadata = new Dictionary<string, string> { ["Policy"] = "anon" } };
        var clusterCopy = Cluster with { Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = "http://public.internal/" } } };
        Assert.True(plan.IsBoundTo(copy, clusterCopy));
        Assert.True(plan.IsBoundTo(copy, clusterCopy)); // then by reference
        Assert.True(plan.IsBoundTo(Route, Cluster));
    }

    public static TheoryData<string> Changes() => ["cluster id", "policy", "path", "destination address", "destination added", "no cluster"];

    [Theory]
    [MemberData(nameof(Changes))]
    public void IsNotBound_ToAnyOtherRouteOrCluster(string change)
    {
        var plan = Plan();
        var (route, cluster) = change switch
        {
            "cluster id" => (Route with { ClusterId = "admin" }, Cluster with { ClusterId = "admin" }),
            "policy" => (Route with { Metadata = new Dictionary<string, string> { ["Policy"] = "admin-only" } }, Cluster),
            "path" => (Route with { Match = new RouteMatch { Path = "/admin/{**rest}" } }, Cluster),
            "destination address" => (Route, Cluster with { Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = "http://admin.internal/" } } }),
            "destination added" => (Route, Cluster with
            {
                Destinations = new Dictionary<string, DestinationConfig>
                {
                    ["d1"] = new() { Address = "http://public.internal/" },
                    ["d2"] = new() { Address = "http://admin.internal/" },
                },
            }),
            _ => (Route, (ClusterConfig?)null),
        };

        Assert.False(plan.IsBoundTo(route, cluster));
        Assert.True(plan.IsBoundTo(Route, Cluster)); // a refusal does not disturb the plan
    }

    [Theory]
    [InlineData("http://public.internal/", true)]
    [InlineData("http://admin.internal/", false)]
    [InlineData("http://PUBLIC.internal/", false)]
    [InlineData("http://public.internal", false)]
    public void AllowsDestination_OnlyTheAddressesOfItsConfiguration(string prefix, bool allowed)
    {
        Assert.Equal(allowed, Plan().AllowsDestination(prefix));
    }

    [Theory]
    [InlineData("http://public.internal/", true, 200)]
    [InlineData("http://admin.internal/", true, 503)]
    [InlineData("http://public.internal/", false, 503)]
    public async Task DestinationFence_Refuses_AnAddressOutsideTheJudgedConfiguration(string prefix, bool withPlan, int expectedStatus)
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        var outcome = new RequestOutcomeFeature { Decision = RequestDecision.Anonymous };
        context.Features.Set(outcome);
        if (withPlan)
        {
            context.Features.Set(Plan());
        }

        using var proxyRequest = new HttpRequestMessage();
        var transform = new RequestTransformContext { HttpContext = context, ProxyRequest = proxyRequest, DestinationPrefix = prefix, Path = "/r/x", Query = new QueryTransformContext(context.Request) };

        await new DestinationFence(NullLogger.Instance).CheckAsync(transform);

        Assert.Equal(expectedStatus, context.Response.StatusCode);
        if (expectedStatus == 503)
        {
            Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
            Assert.Equal("application/problem+json", context.Response.ContentType);
            Assert.Equal(RequestDecision.Unavailable, outcome.Decision);
            Assert.Equal("configuration_changed", outcome.Reason); // the jwtgw.reason of the request's metrics
        }
        else
        {
            Assert.Equal(RequestDecision.Anonymous, outcome.Decision);
        }
    }
}
