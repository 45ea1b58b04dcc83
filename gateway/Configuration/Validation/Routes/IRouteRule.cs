using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validation.Routes;

/// <summary>
/// A check of one YARP route (<c>ReverseProxy:Routes:{id}</c>) against the gateway's configuration, run for each
/// route in turn before YARP's own route check (YARP's <c>IRouteValidator</c> shape).
/// </summary>
internal interface IRouteRule
{
    /// <param name="route">The route as bound (metadata keys are case-insensitive).</param>
    /// <param name="metadata">The route's metadata, parsed once for every rule.</param>
    /// <param name="path">The route's path, <c>ReverseProxy:Routes:{id}</c>.</param>
    /// <param name="context">The whole configuration and the error list.</param>
    void Validate(RouteConfig route, RouteMetadata metadata, string path, ConfigValidationContext context);
}
