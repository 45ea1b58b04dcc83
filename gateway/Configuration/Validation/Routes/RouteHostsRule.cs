using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validation.Routes;

/// <summary>
/// Requests are matched on the canonical host (no trailing dot, see <c>RequestGuard.CheckHost</c>): a host written
/// with one would never match, and its requests would fall through to a laxer route.
/// </summary>
internal sealed class RouteHostsRule : IRouteRule
{
    public void Validate(RouteConfig route, RouteMetadata metadata, string path, ConfigValidationContext context)
    {
        for (var i = 0; i < (route.Match?.Hosts?.Count ?? 0); i++)
        {
            if (route.Match!.Hosts![i] is { } host && (host.EndsWith('.') || host.Contains(".:", StringComparison.Ordinal)))
            {
                context.Add($"{path}:Match:Hosts:{i}", $"'{host}' ends with a dot: write the host without it (requests are matched with a trailing dot removed)");
            }
        }
    }
}
