using Gateway.Forwarding;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validation.Routes;

/// <summary><c>Metadata:PassHeaders</c> lets through only routing headers the gateway strips by default (<see cref="RoutingHeaders.Names"/>).</summary>
internal sealed class RoutePassHeadersRule : IRouteRule
{
    public void Validate(RouteConfig route, RouteMetadata metadata, string path, ConfigValidationContext context)
    {
        foreach (var name in metadata.PassHeaders ?? [])
        {
            if (!RoutingHeaders.Names.Contains(name))
            {
                context.Add($"{path}:Metadata:{RouteMetadata.PassHeadersKey}", $"'{name}' is not a header the gateway strips by default (see docs/hardening.md); claim headers and StripHeaders are always stripped");
            }
        }
    }
}
