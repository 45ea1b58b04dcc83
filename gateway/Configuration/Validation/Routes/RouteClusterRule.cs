using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validation.Routes;

/// <summary>A route's <c>ClusterId</c> names a cluster of the same configuration (cluster ids are case-insensitive, as in YARP).</summary>
internal sealed class RouteClusterRule : IRouteRule
{
    public void Validate(RouteConfig route, RouteMetadata metadata, string path, ConfigValidationContext context)
    {
        if (route.ClusterId is not null && !context.Proxy.Clusters.Any(cluster => string.Equals(cluster.ClusterId, route.ClusterId, StringComparison.OrdinalIgnoreCase)))
        {
            context.Add($"{path}:ClusterId", $"unknown cluster '{route.ClusterId}'");
        }
    }
}
