using Gateway.Forwarding;
using Gateway.Policies;
using Gateway.RateLimiting;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Enforcement;

/// <summary>
/// Everything the enforcement middleware needs for one route, compiled at configuration load, bound to the
/// exact route and cluster configuration that load handed to YARP. A request is judged by a plan only when the
/// route and cluster YARP matched it with are that configuration (<see cref="IsBoundTo"/>), and forwarded only
/// to one of that configuration's destination addresses (<see cref="AllowsDestination"/>): a policy never
/// applies to a route, cluster or destination of another configuration.
/// </summary>
internal sealed class RoutePlan
{
    private readonly string[] _destinationAddresses;

    // The YARP configuration objects last found equal to Route/Cluster. A reload that leaves a route or
    // cluster unchanged lets YARP keep its previous (equal) object: compared by content once, by reference after.
    // Benign race: concurrent requests may both compare by content and both store an equal object.
    private volatile RouteConfig? _verifiedRoute;
    private volatile ClusterConfig? _verifiedCluster;

    public RoutePlan(RouteConfig route, ClusterConfig? cluster, CompiledPolicy policy, ClaimHeaderPlan claimHeaders, RateLimitPolicy? rateLimit = null, CompiledPolicy? shadowPolicy = null)
    {
        RateLimit = rateLimit;
        ShadowPolicy = shadowPolicy;
        ArgumentNullException.ThrowIfNull(route);
        Route = route;
        Cluster = cluster;
        Policy = policy;
        ClaimHeaders = claimHeaders;
        _destinationAddresses = cluster?.Destinations?.Values.Select(d => d.Address).ToArray() ?? [];
        _verifiedRoute = route;
        _verifiedCluster = cluster;
    }

    public string RouteId => Route.RouteId;

    /// <summary>The route exactly as this configuration gave it to YARP.</summary>
    public RouteConfig Route { get; }

    /// <summary>The route's cluster exactly as this configuration gave it to YARP.</summary>
    public ClusterConfig? Cluster { get; }

    public CompiledPolicy Policy { get; }

    public ClaimHeaderPlan ClaimHeaders { get; }

    /// <summary>The route's rate limit (its <c>RateLimiterPolicy</c>), or null.</summary>
    public RateLimitPolicy? RateLimit { get; }

    /// <summary>The route's dry-run policy (<c>Metadata:ShadowPolicy</c>): evaluated on every valid token and counted, never enforced.</summary>
    public CompiledPolicy? ShadowPolicy { get; }

    /// <summary>Whether every token this route accepts must be DPoP-bound: its 401 challenges then name only the DPoP scheme.</summary>
    public bool RequiresDpop { get; init; }

    /// <summary>Whether YARP matched the request with this plan's route and cluster configuration (by content).</summary>
    public bool IsBoundTo(RouteConfig matchedRoute, ClusterConfig? matchedCluster)
    {
        if (!ReferenceEquals(matchedRoute, _verifiedRoute))
        {
            if (!Route.Equals(matchedRoute))
            {
                return false;
            }

            _verifiedRoute = matchedRoute;
        }

        if (!ReferenceEquals(matchedCluster, _verifiedCluster))
        {
            if (Cluster is null || !Cluster.Equals(matchedCluster))
            {
                return false;
            }

            _verifiedCluster = matchedCluster;
        }

        return true;
    }

    /// <summary>
    /// Whether <paramref name="destinationPrefix"/> (the address YARP is about to send to) is one of this
    /// configuration's destinations of the route's cluster. YARP updates a destination's address in place on
    /// reload, so a request judged under one configuration could otherwise be sent to another one's address.
    /// </summary>
    public bool AllowsDestination(string destinationPrefix)
    {
        foreach (var address in _destinationAddresses)
        {
            if (string.Equals(address, destinationPrefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
