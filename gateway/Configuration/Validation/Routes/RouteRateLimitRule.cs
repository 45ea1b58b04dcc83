using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validation.Routes;

/// <summary>A route's <c>RateLimiterPolicy</c> names a policy of <c>Gateway:RateLimits</c> (the gateway enforces it, not ASP.NET Core).</summary>
internal sealed class RouteRateLimitRule : IRouteRule
{
    public void Validate(RouteConfig route, RouteMetadata metadata, string path, ConfigValidationContext context)
    {
        if (!string.IsNullOrEmpty(route.RateLimiterPolicy) && !context.Gateway.RateLimits.ContainsKey(route.RateLimiterPolicy))
        {
            context.Add($"{path}:RateLimiterPolicy", RateLimitsRule.UnknownPolicy(context.Gateway, route.RateLimiterPolicy));
        }
    }
}
