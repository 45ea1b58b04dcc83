using Gateway.Cors;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validation.Routes;

/// <summary>A route's <c>CorsPolicy</c> names a policy of <c>Gateway:Cors</c> ("Default": <c>Gateway:Cors:Default</c>).</summary>
internal sealed class RouteCorsRule : IRouteRule
{
    public void Validate(RouteConfig route, RouteMetadata metadata, string path, ConfigValidationContext context)
    {
        if (string.IsNullOrEmpty(route.CorsPolicy))
        {
            return;
        }

        var cors = context.Gateway.Cors;
        var configured = string.Join(", ", cors.Keys);
        if (string.Equals(route.CorsPolicy, CorsPolicyCompiler.DisableValue, StringComparison.OrdinalIgnoreCase))
        {
            context.Add($"{path}:CorsPolicy", "'Disable' is not used by this gateway: remove CorsPolicy (a route without one has no CORS: a preflight is judged like any other request)");
        }
        else if (!cors.Keys.Contains(route.CorsPolicy, StringComparer.OrdinalIgnoreCase))
        {
            context.Add($"{path}:CorsPolicy", $"unknown CORS policy '{route.CorsPolicy}': declare it in Gateway:Cors:{route.CorsPolicy} (configured: {(configured.Length == 0 ? "none" : configured)})");
        }
    }
}
