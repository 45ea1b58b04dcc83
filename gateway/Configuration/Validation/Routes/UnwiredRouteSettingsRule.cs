using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validation.Routes;

/// <summary>
/// YARP turns these route settings into endpoint metadata that only an ASP.NET Core middleware honours (request
/// timeouts, output caching). The gateway's pipeline registers none of them: ASP.NET Core then fails every request
/// on the route with 500 (timeouts), or the setting is silently without effect (output caching). Either way the
/// route is not what its configuration says. (RateLimiterPolicy is the gateway's own: see <see cref="RouteRateLimitRule"/>.)
/// </summary>
internal sealed class UnwiredRouteSettingsRule : IRouteRule
{
    public void Validate(RouteConfig route, RouteMetadata metadata, string path, ConfigValidationContext context)
    {
        if (!string.IsNullOrEmpty(route.TimeoutPolicy))
        {
            context.Add($"{path}:TimeoutPolicy", "request timeout policies are not supported by this gateway: remove TimeoutPolicy and set the cluster's HttpRequest:ActivityTimeout (e.g. \"00:00:30\")");
        }

        if (route.Timeout is not null)
        {
            context.Add($"{path}:Timeout", "route timeouts are not supported by this gateway: remove Timeout and set the cluster's HttpRequest:ActivityTimeout (e.g. \"00:00:30\")");
        }

        if (!string.IsNullOrEmpty(route.OutputCachePolicy))
        {
            context.Add($"{path}:OutputCachePolicy", "output caching is not supported by this gateway: remove OutputCachePolicy (a cache in front of an authenticating gateway could serve one user's answer to another)");
        }
    }
}
