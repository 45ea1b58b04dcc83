using Gateway.Development;
using Gateway.Enforcement;
using Gateway.Forwarding;
using Gateway.Keys;
using Gateway.Policies;
using Gateway.Tokens;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>Compiles a validated configuration into a <see cref="GatewaySnapshot"/>.</summary>
internal static class GatewaySnapshotBuilder
{
    /// <summary>
    /// Where the keys of a validated configuration's issuers come from: one definition per issuer that verifies
    /// signatures. The snapshot manager attaches a key manager to each (<see cref="KeyManagerPool.Attach"/>) and passes
    /// them to <see cref="Build"/>; the builder itself never creates one.
    /// </summary>
    public static IReadOnlyList<KeySourceDefinition> KeySources(GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Issuers
            .Where(pair => IssuerKeySources.VerifiesSignatures(pair.Value))
            .Select(pair => KeySourceDefinition.For(pair.Key, pair.Value, ExpectedIssuer.Of(pair.Value, DevelopmentIssuerDefaults.Issuer)!, options))
            .ToList();
    }

    /// <summary>Compiles a validated configuration, with the key managers attached to its <see cref="KeySources"/> (by issuer name).</summary>
    public static GatewaySnapshot Build(GatewayOptions options, ProxySection proxy, IReadOnlyDictionary<string, IssuerKeyManager> keys, TimeProvider time, Introspection.TokenIntrospectorFactory introspection)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(proxy);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(introspection);

        var issuers = new IssuerRegistry(options.Issuers.Where(pair => IssuerKeySources.VerifiesSignatures(pair.Value)).Select(pair => BuildIssuer(pair.Key, pair.Value, options, keys[pair.Key])));
        var policies = options.Policies.ToDictionary(p => p.Key, p => PolicyCompiler.Compile(p.Key, p.Value), StringComparer.Ordinal);
        var defaultPolicy = options.DefaultPolicy is { } name ? policies[name] : PolicyCompiler.BuiltInDefault;

        var owned = new HashSet<string>(options.StripHeaders, StringComparer.OrdinalIgnoreCase);
        var clusters = new Dictionary<string, ClusterConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var cluster in proxy.Clusters)
        {
            clusters.TryAdd(cluster.ClusterId, cluster);
        }

        // A route's RateLimiterPolicy names a Gateway:RateLimits policy, enforced by the gateway: YARP gets the route
        // without it (YARP would look it up among ASP.NET Core's rate limiter policies and reject the route).
        var proxies = RateLimiting.TrustedProxies.Parse(options.TrustedProxies);
        var rateLimits = options.RateLimits.ToDictionary(p => p.Key, p => new RateLimiting.RateLimitPolicy(p.Key, p.Value, proxies), StringComparer.Ordinal);
        // The route's own RateLimiterPolicy, else its authorization policy's RateLimit (the default policy's included).
        RateLimiting.RateLimitPolicy? RateLimitOf(RouteConfig route)
        {
            var policyName = RouteMetadata.Read(route).Policy ?? options.DefaultPolicy;
            var name = route.RateLimiterPolicy is { Length: > 0 } own ? own : policyName is null ? null : options.Policies[policyName].RateLimit;
            return name is null ? null : rateLimits[name];
        }

        var rateLimitOf = proxy.Routes.ToDictionary(r => r.RouteId, RateLimitOf, StringComparer.OrdinalIgnoreCase);
        proxy = proxy with { Routes = proxy.Routes.Select(r => r.RateLimiterPolicy is null ? r : r with { RateLimiterPolicy = null }).ToList() };

        var routes = new Dictionary<string, RoutePlan>(StringComparer.OrdinalIgnoreCase);
        var passedHeaders = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var route in proxy.Routes)
        {
            var metadata = RouteMetadata.Read(route);
            if (metadata.PassHeaders is { } passed)
            {
                passedHeaders[route.RouteId] = passed;
            }

            var policyName = metadata.Policy;
            var policy = policyName is null ? defaultPolicy : policies[policyName];
            var policyHeaders = policyName is null ? null : options.Policies[policyName].ClaimHeaders;
            var byIssuer = options.Issuers
                .Select(issuer => new IssuerClaimHeaders(issuer.Key, MergeHeaders(options.ClaimHeaders, issuer.Value, policyHeaders, metadata.ClaimHeaders)))
                .ToList();
            var cluster = route.ClusterId is null ? null : clusters.GetValueOrDefault(route.ClusterId);
            var shadow = metadata.ShadowPolicy is { } shadowName ? policies[shadowName] : null;
            routes[route.RouteId] = new RoutePlan(route, cluster, policy, policy.IsAnonymous ? ClaimHeaderPlan.Empty : new ClaimHeaderPlan(options.IssuerHeader, byIssuer), rateLimitOf[route.RouteId], shadow)
            {
                RequiresDpop = RequiresDpop(policy, options),
            };
            owned.UnionWith(byIssuer.SelectMany(i => i.Mappings).Select(m => m.Header));
        }

        // Every header any issuer, policy or route could set, and the issuer header, is stripped on every route.
        owned.Add(options.IssuerHeader);
        owned.Add(GatewayOptions.DefaultIssuerHeader); // also when renamed: a downstream may still read the default name
        owned.UnionWith(options.ClaimHeaders.Select(h => h.Header));
        foreach (var issuer in options.Issuers.Values)
        {
            owned.UnionWith(issuer.ClaimHeaders?.Select(h => h.Header) ?? []);
        }

        foreach (var policy in options.Policies.Values)
        {
            owned.UnionWith(policy.ClaimHeaders?.Select(h => h.Header) ?? []);
        }

        var cache = options.TokenCache.Enabled
            ? new ValidatedTokenCache(options.TokenCache.MaxEntries, options.TokenCache.MaxEntryLifetime, time)
            : null;
        var extractor = new TokenExtractor(options.TokenSources, dpopScheme: true);
        var validator = new TokenValidator(issuers, options.Limits.MaxTokenLength, cache, time, introspection.Create(options), introspection.Metrics);
        var forwarding = new VerifiedTokenForwarding(extractor.Scrubber, options.ForwardAuthorizationHeader);
        return new GatewaySnapshot(options, proxy, issuers, routes, new IdentityHeaderStripper(owned, passedHeaders), extractor, validator, forwarding, Cors.CorsPolicyCompiler.Compile(options.Cors), BuildSenderConstraints(options, time));
    }

    /// <summary>The DPoP proof verifier and client certificate source of a validated configuration.</summary>
    public static SenderConstraints.SenderConstraintEnforcer BuildSenderConstraints(GatewayOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dpop = options.Dpop;
        var nonces = dpop.RequireNonce ? new SenderConstraints.DpopNonces(dpop.NonceKey!, dpop.NonceLifetime, dpop.ProofClockSkew) : null;
        var verifier = new SenderConstraints.DpopProofVerifier(
            dpop.Algorithms.Count > 0 ? dpop.Algorithms.ToArray() : DpopOptions.SupportedAlgorithms.ToArray(),
            dpop.ProofMaxAge,
            dpop.ProofClockSkew,
            dpop.MaxProofLength,
            dpop.PublicOrigins.ToArray(),
            nonces);
        var binding = options.CertificateBinding;
        var proxies = binding.TrustedProxies
            .Select(text => SenderConstraints.ClientCertificateSource.TryParseProxy(text, out var network) ? network : throw new ArgumentException($"'{text}' is not an address or network."))
            .ToArray();
        var certificates = new SenderConstraints.ClientCertificateSource(binding.ClientCertificateHeader, proxies);
        return new SenderConstraints.SenderConstraintEnforcer(verifier, certificates, dpop.ForwardProofHeader, time);
    }

    // Whether every token the route accepts must be DPoP-bound: the policy requires it, or every issuer it accepts does.
    private static bool RequiresDpop(CompiledPolicy policy, GatewayOptions options) =>
        !policy.IsAnonymous && (policy.Dpop == DpopMode.Required
            || options.Issuers.Where(i => policy.AcceptsIssuer(i.Key)).All(i => i.Value.Dpop == DpopMode.Required) && options.Issuers.Count > 0);

    private static IssuerProvider BuildIssuer(string name, IssuerOptions issuer, GatewayOptions options, IssuerKeyManager keys)
    {
        var expected = ExpectedIssuer.Of(issuer, DevelopmentIssuerDefaults.Issuer)!;
        var algorithms = issuer.Algorithms.Count > 0 ? issuer.Algorithms : SigningAlgorithms.Supported.ToArray();
        return new IssuerProvider(
            name,
            expected,
            issuer.Audiences,
            issuer.ValidateAudience,
            algorithms,
            issuer.ClockSkew,
            ClaimPath.Parse(issuer.RoleClaim),
            keys,
            new TokenShapeRules
            {
                MaxHeaderBytes = options.Limits.MaxTokenHeaderBytes,
                MaxPayloadBytes = options.Limits.MaxTokenPayloadBytes,
                MaxDepth = options.Limits.MaxClaimDepth,
                RequiredType = issuer.RequiredType,
                MaxLifetime = issuer.MaxTokenLifetime,
                ClockSkew = issuer.ClockSkew,
            },
            issuer.Dpop);
    }

    // For one issuer's tokens: global mappings, then the issuer's, then the policy's, then the route's, each overriding
    // by header name; an empty claim removes the header; "$roles" is the issuer's RoleClaim (what its role checks read).
    private static List<ClaimHeaderMapping> MergeHeaders(IReadOnlyList<ClaimHeaderOptions> global, IssuerOptions issuer, IReadOnlyList<ClaimHeaderOptions>? policy, IReadOnlyList<RouteClaimHeader> route)
    {
        var merged = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        void Set(string header, string claim)
        {
            if (!merged.ContainsKey(header))
            {
                order.Add(header);
            }

            merged[header] = claim;
        }

        foreach (var mapping in global)
        {
            Set(mapping.Header, mapping.Claim);
        }

        foreach (var mapping in issuer.ClaimHeaders ?? [])
        {
            Set(mapping.Header, mapping.Claim);
        }

        foreach (var mapping in policy ?? [])
        {
            Set(mapping.Header, mapping.Claim);
        }

        foreach (var mapping in route)
        {
            Set(mapping.Header, mapping.Claim);
        }

        return order
            .Where(header => merged[header].Length > 0)
            .Select(header => new ClaimHeaderMapping(header, ClaimPath.Parse(merged[header] == ClaimHeaderOptions.IssuerRoles ? issuer.RoleClaim : merged[header])))
            .ToList();
    }
}
