using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

internal sealed partial class GatewayConfigValidator
{
    // YARP turns these route settings into endpoint metadata that only an ASP.NET Core middleware honours
    // (request timeouts, output caching). The gateway's pipeline registers none of them:
    // ASP.NET Core then fails every request on the route with 500 (timeouts), or the setting is silently
    // without effect (output caching). Either way the route is not what its configuration says.
    // (RateLimiterPolicy is the gateway's own: it names a Gateway:RateLimits policy, see ValidateRouteRateLimit.)
    private static void ValidateUnwiredRouteSettings(RouteConfig route, string path, List<ConfigError> errors)
    {
        if (!string.IsNullOrEmpty(route.TimeoutPolicy))
        {
            errors.Add(new($"{path}:TimeoutPolicy", "request timeout policies are not supported by this gateway: remove TimeoutPolicy and set the cluster's HttpRequest:ActivityTimeout (e.g. \"00:00:30\")"));
        }

        if (route.Timeout is not null)
        {
            errors.Add(new($"{path}:Timeout", "route timeouts are not supported by this gateway: remove Timeout and set the cluster's HttpRequest:ActivityTimeout (e.g. \"00:00:30\")"));
        }

        if (!string.IsNullOrEmpty(route.OutputCachePolicy))
        {
            errors.Add(new($"{path}:OutputCachePolicy", "output caching is not supported by this gateway: remove OutputCachePolicy (a cache in front of an authenticating gateway could serve one user's answer to another)"));
        }
    }
}
