using Gateway.Configuration;
using Gateway.Configuration.Validation;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.UnitTests.Configuration;

/// <summary>The smallest valid configuration, and a context to run one rule on a change of it.</summary>
internal static class RuleContexts
{
    public static IssuerOptions Issuer(string iss = "https://idp.example.com") => new() { Authority = iss, Audiences = ["api"] };

    public static GatewayOptions GoodGateway() => new()
    {
        Issuers = new Dictionary<string, IssuerOptions> { ["main"] = Issuer() },
        Policies = new Dictionary<string, PolicyOptions>
        {
            ["orders"] = new() { Scopes = ["orders.read"] },
            ["public"] = new() { Anonymous = true },
        },
    };

    public static RouteConfig Route(string id = "r", Dictionary<string, string>? metadata = null) => new()
    {
        RouteId = id,
        ClusterId = "backend",
        Match = new RouteMatch { Path = "/{**rest}" },
        // GatewayConfigReader binds metadata keys case-insensitively.
        Metadata = metadata is null ? null : new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase),
    };

    public static ProxySection Proxy(params RouteConfig[] routes) => new(
        routes,
        [new ClusterConfig { ClusterId = "backend", Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = "https://backend.example.com" } } }]);

    public static ConfigValidationContext Context(GatewayOptions gateway, ProxySection? proxy = null, bool isDevelopment = false) =>
        new(gateway, proxy ?? Proxy(Route()), isDevelopment, []);

    public static List<ConfigError> Run(IConfigRule rule, GatewayOptions gateway, ProxySection? proxy = null)
    {
        var context = Context(gateway, proxy);
        rule.Validate(context);
        return context.Errors;
    }
}
