using Gateway.Configuration.Validation.Issuers;
using Gateway.Configuration.Validation.Routes;

namespace Gateway.Configuration.Validation;

/// <summary>
/// The gateway's configuration rules, in the order they run: that order is the order of the error list, so a
/// configuration with several mistakes always reports them the same way. A new rule is one class added here.
/// </summary>
internal static class GatewayConfigRules
{
    /// <summary>The rules of the <c>Gateway</c> section (and its cross-references), run once per configuration.</summary>
    public static IReadOnlyList<IConfigRule> Sections { get; } =
    [
        new IssuersRule(
            new IssuerKeySourceRule(),
            new LocalKeySourceRule(),
            new IssuerUrlRule(),
            new IssuerIdentityRule(),
            new IssuerAudienceRule(),
            new IssuerAlgorithmRule(),
            new IssuerTokenRule(),
            new IssuerKeyRefreshRule()),
        new IntrospectionRule(),
        new PoliciesRule(),
        new GlobalHeadersRule(),
        new IdentityHeadersRule(),
        new CorsRule(),
        new RateLimitsRule(),
        new TokenSourcesRule(),
        new LimitsRule(),
        new BackchannelRule(),
        new RedisRule(),
        new KeyCacheRule(),
        new TokenCacheRule(),
        new DevelopmentRule(),
        new OperationsRule(),
        new RevocationRule(),
        new DiagnosticsRule(),
        new DpopRule(),
        new CertificateBindingRule(),
        new PolicySenderConstraintRule(),
    ];

    /// <summary>The rules of one <c>ReverseProxy:Routes</c> entry, run for each route before YARP's own route check.</summary>
    public static IReadOnlyList<IRouteRule> Routes { get; } =
    [
        new RouteAuthorizationPolicyRule(),
        new UnwiredRouteSettingsRule(),
        new RouteCorsRule(),
        new RouteRateLimitRule(),
        new RoutePolicyRule(),
        new RoutePassHeadersRule(),
        new RouteClaimHeadersRule(),
        new RouteHostsRule(),
        new RouteClusterRule(),
    ];
}
