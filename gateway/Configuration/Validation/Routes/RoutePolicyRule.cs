using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validation.Routes;

/// <summary>
/// <c>Metadata:Policy</c> and <c>Metadata:ShadowPolicy</c> name configured policies, and a shadow policy sits on a
/// route whose enforced policy checks a token (a shadow policy is evaluated on the verified token: an anonymous
/// route verifies none).
/// </summary>
internal sealed class RoutePolicyRule : IRouteRule
{
    public void Validate(RouteConfig route, RouteMetadata metadata, string path, ConfigValidationContext context)
    {
        var policies = context.Gateway.Policies;
        if (metadata.Policy is { } policy && !policies.ContainsKey(policy))
        {
            context.Add($"{path}:Metadata:{RouteMetadata.PolicyKey}", $"unknown policy '{policy}' (configured: {string.Join(", ", policies.Keys)})");
        }

        if (metadata.ShadowPolicy is not { } shadow)
        {
            return;
        }

        var shadowPath = $"{path}:Metadata:{RouteMetadata.ShadowPolicyKey}";
        if (!policies.ContainsKey(shadow))
        {
            context.Add(shadowPath, $"unknown policy '{shadow}' (configured: {string.Join(", ", policies.Keys)})");
            return;
        }

        var enforced = metadata.Policy ?? context.Gateway.DefaultPolicy;
        if (enforced is not null && policies.TryGetValue(enforced, out var enforcedPolicy) && enforcedPolicy.Anonymous)
        {
            context.Add(shadowPath, $"the route's policy '{enforced}' is anonymous: no token is verified, so a shadow policy has nothing to judge");
        }
    }
}
