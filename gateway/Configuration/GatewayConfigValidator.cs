using Gateway.Configuration.Validation;
using Gateway.Configuration.Validation.Routes;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>
/// Checks the whole configuration and returns every problem at once, each with its configuration path. The checks
/// are small rules (<see cref="GatewayConfigRules"/>, in <c>Configuration/Validation/</c>), run in a fixed order;
/// each route then goes through the route rules and YARP's own route check, and each cluster through YARP's
/// cluster check (the shape of YARP's <c>ConfigValidator</c> with its <c>IRouteValidator</c>s).
/// </summary>
internal sealed class GatewayConfigValidator
{
    private readonly IConfigValidator? _proxyValidator;
    private readonly IReadOnlyList<IConfigRule> _rules;
    private readonly IReadOnlyList<IRouteRule> _routeRules;

    public GatewayConfigValidator(IConfigValidator? proxyValidator)
        : this(proxyValidator, GatewayConfigRules.Sections, GatewayConfigRules.Routes)
    {
    }

    internal GatewayConfigValidator(IConfigValidator? proxyValidator, IReadOnlyList<IConfigRule> rules, IReadOnlyList<IRouteRule> routeRules)
    {
        _proxyValidator = proxyValidator;
        _rules = rules;
        _routeRules = routeRules;
    }

    public async Task<List<ConfigError>> ValidateAsync(GatewayOptions gateway, ProxySection proxy, string environmentName)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(proxy);
        var errors = new List<ConfigError>();
        var isDevelopment = string.Equals(environmentName, "Development", StringComparison.OrdinalIgnoreCase);
        var context = new ConfigValidationContext(gateway, proxy, isDevelopment, errors);
        foreach (var rule in _rules)
        {
            rule.Validate(context);
        }

        await ValidateProxyAsync(context).ConfigureAwait(false);
        return errors;
    }

    private async Task ValidateProxyAsync(ConfigValidationContext context)
    {
        foreach (var route in context.Proxy.Routes)
        {
            var path = $"ReverseProxy:Routes:{route.RouteId}";
            var metadata = RouteMetadata.Read(route);
            foreach (var rule in _routeRules)
            {
                rule.Validate(route, metadata, path, context);
            }

            if (_proxyValidator is not null)
            {
                // CorsPolicy is checked against this configuration's Gateway:Cors (RouteCorsRule); YARP's check would ask
                // the CORS policy provider, which serves the active configuration (not yet this one). RateLimiterPolicy
                // likewise names a Gateway:RateLimits policy, not an ASP.NET Core one.
                foreach (var error in await _proxyValidator.ValidateRouteAsync(route with { CorsPolicy = null, RateLimiterPolicy = null }).ConfigureAwait(false))
                {
                    context.Add(path, error.Message);
                }
            }
        }

        if (_proxyValidator is not null)
        {
            foreach (var cluster in context.Proxy.Clusters)
            {
                foreach (var error in await _proxyValidator.ValidateClusterAsync(cluster).ConfigureAwait(false))
                {
                    context.Add($"ReverseProxy:Clusters:{cluster.ClusterId}", error.Message);
                }
            }
        }
    }
}
