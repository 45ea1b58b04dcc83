using Gateway.Tokens;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validation.Routes;

/// <summary><c>Metadata:ClaimHeader.{header}</c>: a header the gateway may set, and a claim path (empty removes the header).</summary>
internal sealed class RouteClaimHeadersRule : IRouteRule
{
    public void Validate(RouteConfig route, RouteMetadata metadata, string path, ConfigValidationContext context)
    {
        foreach (var claimHeader in metadata.ClaimHeaders)
        {
            var itemPath = $"{path}:Metadata:{claimHeader.Key}";
            HeaderChecks.RequireSettableHeader(claimHeader.Header, itemPath, context);
            if (claimHeader.Claim.Length > 0 && !ClaimPath.IsValid(claimHeader.Claim))
            {
                context.Add(itemPath, $"'{claimHeader.Claim}' is not a claim path");
            }
        }
    }
}
