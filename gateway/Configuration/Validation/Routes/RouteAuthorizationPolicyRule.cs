using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validation.Routes;

/// <summary>YARP's <c>AuthorizationPolicy</c> is not the gateway's: the route's policy is named in <c>Metadata:Policy</c>.</summary>
internal sealed class RouteAuthorizationPolicyRule : IRouteRule
{
    public void Validate(RouteConfig route, RouteMetadata metadata, string path, ConfigValidationContext context)
    {
        if (!string.IsNullOrEmpty(route.AuthorizationPolicy))
        {
            context.Add($"{path}:AuthorizationPolicy", "not used by this gateway: name the policy in Metadata:Policy");
        }
    }
}
