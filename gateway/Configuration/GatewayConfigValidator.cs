using Gateway.Tokens;
using Microsoft.IdentityModel.Tokens;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>
/// Checks the whole configuration and returns every problem at once, each with its configuration
/// path. YARP's own validator checks routes and clusters; this adds the gateway's rules.
/// </summary>
internal sealed partial class GatewayConfigValidator
{
    /// <summary>Route metadata key naming the route's policy.</summary>
    public const string PolicyMetadataKey = "Policy";

    /// <summary>Route metadata key prefix for per-route claim headers: <c>"ClaimHeader.X-Tenant": "org.tenant"</c>.</summary>
    public const string ClaimHeaderMetadataPrefix = "ClaimHeader.";

    public static IReadOnlySet<string> SupportedAlgorithms { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
        Tokens.EdDsa.EdDsaCryptoProvider.Algorithm,
    };

    // Headers whose meaning belongs to HTTP or to the gateway itself: a claim may never overwrite them.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Authorization", "Proxy-Authorization", "Content-Length", "Content-Type", "Transfer-Encoding",
        "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer", "Cookie", "Expect", "Forwarded",
        "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix", "traceparent", "tracestate",
        "DPoP", "DPoP-Nonce",
    };

    private readonly IConfigValidator? _proxyValidator;

    public GatewayConfigValidator(IConfigValidator? proxyValidator)
    {
        _proxyValidator = proxyValidator;
    }

    public async Task<List<ConfigError>> ValidateAsync(GatewayOptions gateway, ProxySection proxy, string environmentName)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(proxy);
        var errors = new List<ConfigError>();
        var isDevelopment = string.Equals(environmentName, "Development", StringComparison.OrdinalIgnoreCase);
        ValidateIssuers(gateway, isDevelopment, errors);
        ValidateIntrospection(gateway, isDevelopment, errors);
        ValidatePolicies(gateway, errors);
        ValidateClaimHeaders(gateway.ClaimHeaders, "Gateway:ClaimHeaders", allowRemoval: false, errors);
        ValidateHeaderNames(gateway.StripHeaders, "Gateway:StripHeaders", errors);
        ValidateIdentityHeaders(gateway, proxy, errors);
        ValidateCors(gateway, errors);
        ValidateRateLimits(gateway, errors);
        ValidateTokenSources(gateway.TokenSources, errors);
        ValidateLimits(gateway.Limits, errors);
        ValidateBackchannel(gateway.Backchannel, errors);
        ValidateRedis(gateway.Redis, errors);
        ValidateKeyCache(gateway.KeyCache, errors);
        ValidateTokenCache(gateway.TokenCache, errors);
        ValidateDevelopment(gateway.Development, isDevelopment, errors);
        ValidateOperations(gateway.Observability, gateway.Management, errors);
        ValidateRevocation(gateway.Revocation, gateway.Management, errors);
        ValidateDiagnostics(gateway.Diagnostics, gateway.Management, isDevelopment, errors);
        ValidateSenderConstraints(gateway, errors);
        await ValidateProxyAsync(gateway, proxy, errors).ConfigureAwait(false);
        return errors;
    }

    /// <summary>The exact <c>iss</c> a configured issuer accepts.</summary>
    public static string? ExpectedIssuer(IssuerOptions issuer, string developmentIssuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        if (!string.IsNullOrEmpty(issuer.Issuer))
        {
            return issuer.Issuer;
        }

        return issuer.Development ? developmentIssuer : issuer.Authority;
    }

    private static void ValidateIssuers(GatewayOptions gateway, bool isDevelopment, List<ConfigError> errors)
    {
        if (gateway.Issuers.Count == 0)
        {
            errors.Add(new("Gateway:Issuers", "at least one issuer is required (a gateway with no issuer could only serve anonymous routes)"));
        }

        var seenIssuers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, issuer) in gateway.Issuers)
        {
            var path = $"Gateway:Issuers:{name}";
            var sources = new[] { issuer.Authority is not null || issuer.MetadataAddress is not null, issuer.JwksUri is not null, issuer.JwksFile is not null, issuer.Jwks is not null, issuer.Development }.Count(s => s);
            if (sources == 0 && issuer.Introspection is null)
            {
                errors.Add(new(path, "no key source: set Authority (OIDC discovery), MetadataAddress, JwksUri (with Issuer), JwksFile (with Issuer), Jwks (with Issuer) or Development"));
            }
            else if (sources > 1)
            {
                errors.Add(new(path, "more than one key source: set only one of Authority/MetadataAddress, JwksUri, JwksFile, Jwks, Development"));
            }

            ValidateLocalKeySource(issuer, path, errors);

            ValidateUrl(issuer.Authority, $"{path}:Authority", issuer, isDevelopment, errors);
            ValidateUrl(issuer.MetadataAddress, $"{path}:MetadataAddress", issuer, isDevelopment, errors);
            ValidateUrl(issuer.JwksUri, $"{path}:JwksUri", issuer, isDevelopment, errors);

            if (issuer.JwksUri is not null && string.IsNullOrEmpty(issuer.Issuer))
            {
                errors.Add(new($"{path}:Issuer", "required with JwksUri: the exact 'iss' value tokens of this issuer carry"));
            }

            if (issuer.MetadataAddress is not null && issuer.Authority is null && string.IsNullOrEmpty(issuer.Issuer))
            {
                errors.Add(new($"{path}:Issuer", "required with MetadataAddress when Authority is not set"));
            }

            if (issuer.Development && !isDevelopment)
            {
                errors.Add(new($"{path}:Development", "the development issuer is refused outside the Development environment"));
            }

            var expected = ExpectedIssuer(issuer, Development.DevelopmentIssuerDefaults.Issuer);
            if (!string.IsNullOrEmpty(expected))
            {
                if (seenIssuers.TryGetValue(expected, out var other))
                {
                    errors.Add(new($"{path}:Issuer", $"'{expected}' is already the issuer of '{other}': each 'iss' value must map to one issuer"));
                }
                else
                {
                    seenIssuers[expected] = name;
                }
            }

            if (issuer.ValidateAudience && (issuer.Audiences.Count == 0 || issuer.Audiences.Any(string.IsNullOrWhiteSpace)))
            {
                errors.Add(new($"{path}:Audiences", "list at least one non-empty audience, or set ValidateAudience to false to accept any audience"));
            }

            for (var i = 0; i < issuer.Algorithms.Count; i++)
            {
                var algorithm = issuer.Algorithms[i];
                if (string.Equals(algorithm, "none", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add(new($"{path}:Algorithms:{i}", "'none' can never be allowed: unsigned tokens are not accepted"));
                }
                else if (algorithm.StartsWith("HS", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add(new($"{path}:Algorithms:{i}", $"'{algorithm}' is an HMAC algorithm; keys come from a JWKS, and a public key must never be used as an HMAC secret"));
                }
                else if (!SupportedAlgorithms.Contains(algorithm))
                {
                    errors.Add(new($"{path}:Algorithms:{i}", $"unknown algorithm '{algorithm}' (supported: {string.Join(", ", SupportedAlgorithms.Order(StringComparer.Ordinal))})"));
                }
            }

            if (issuer.ClockSkew < TimeSpan.Zero || issuer.ClockSkew > TimeSpan.FromMinutes(10))
            {
                errors.Add(new($"{path}:ClockSkew", "must be between 00:00:00 and 00:10:00"));
            }

            if (!ClaimPath.IsValid(issuer.RoleClaim))
            {
                errors.Add(new($"{path}:RoleClaim", $"'{issuer.RoleClaim}' is not a claim path"));
            }

            if (issuer.RequiredType is { } type && (type.Length == 0 || !type.All(c => IsTokenChar(c) || c == '/')))
            {
                errors.Add(new($"{path}:RequiredType", $"'{type}' is not a media type (e.g. at+jwt)"));
            }

            if (issuer.MaxTokenLifetime is { } lifetime)
            {
                RequirePositive(lifetime, $"{path}:MaxTokenLifetime", errors);
            }

            RequirePositive(issuer.KeyRefreshInterval, $"{path}:KeyRefreshInterval", errors);
            RequirePositive(issuer.UnknownKidRefreshInterval, $"{path}:UnknownKidRefreshInterval", errors);
            RequirePositive(issuer.FetchTimeout, $"{path}:FetchTimeout", errors);
        }
    }

    private static void ValidateUrl(string? url, string path, IssuerOptions issuer, bool isDevelopment, List<ConfigError> errors)
    {
        if (url is null)
        {
            return;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add(new(path, $"'{url}' is not an absolute http(s) URL"));
            return;
        }

        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            if (issuer.RequireHttpsMetadata)
            {
                errors.Add(new(path, "plain http is refused while RequireHttpsMetadata is true"));
            }
            else if (!uri.IsLoopback && !isDevelopment)
            {
                errors.Add(new(path, "plain http is allowed only for loopback addresses or in the Development environment"));
            }
        }
    }

    private static void ValidatePolicies(GatewayOptions gateway, List<ConfigError> errors)
    {
        foreach (var (name, policy) in gateway.Policies)
        {
            var path = $"Gateway:Policies:{name}";
            if (string.Equals(name, Policies.PolicyCompiler.BuiltInDefaultName, StringComparison.Ordinal))
            {
                errors.Add(new(path, "this name is reserved for the built-in default policy"));
            }

            if (policy.Anonymous && (policy.Scopes.Count > 0 || policy.Roles.Count > 0 || policy.Claims.Count > 0 || policy.AllOf.Count > 0 || policy.AnyOf.Count > 0 || policy.Issuers.Count > 0))
            {
                errors.Add(new(path, "an anonymous policy cannot also require issuers, scopes, roles or claims"));
            }

            ValidateExplicitness(policy, path, errors);
            for (var i = 0; i < policy.Issuers.Count; i++)
            {
                if (policy.Issuers[i] is not { } issuerName || !gateway.Issuers.ContainsKey(issuerName))
                {
                    errors.Add(new($"{path}:Issuers:{i}", $"unknown issuer '{policy.Issuers[i]}' (configured: {string.Join(", ", gateway.Issuers.Keys)})"));
                }
            }

            ValidateGroup(policy, path, 0, errors);
            if (policy.ClaimHeaders is not null)
            {
                ValidateClaimHeaders(policy.ClaimHeaders, $"{path}:ClaimHeaders", allowRemoval: true, errors);
            }
        }

        if (gateway.DefaultPolicy is { } defaultPolicy)
        {
            if (!gateway.Policies.TryGetValue(defaultPolicy, out var policy))
            {
                errors.Add(new("Gateway:DefaultPolicy", $"unknown policy '{defaultPolicy}'"));
            }
            else if (policy.Anonymous)
            {
                errors.Add(new("Gateway:DefaultPolicy", $"'{defaultPolicy}' is anonymous; the default policy must require a token (name anonymous policies on routes explicitly)"));
            }
        }
    }

    // A policy that requires nothing says so: an empty policy, or one a mistake left empty, is not read as "allow any token".
    private static void ValidateExplicitness(PolicyOptions policy, string path, List<ConfigError> errors)
    {
        var requires = policy.Issuers.Count > 0 || !IsEmptyGroup(policy);
        if (policy.AnyValidToken && policy.Anonymous)
        {
            errors.Add(new($"{path}:AnyValidToken", "AnyValidToken (a valid token is required) and Anonymous (no token is required) exclude each other"));
        }
        else if (policy.AnyValidToken && requires)
        {
            errors.Add(new($"{path}:AnyValidToken", "AnyValidToken means the policy requires nothing but a valid token: remove it, or remove the issuers, scopes, roles and claims"));
        }
        else if (!policy.AnyValidToken && !policy.Anonymous && !requires)
        {
            errors.Add(new(path, "the policy requires nothing: list Issuers, Scopes, Roles, Claims, AllOf or AnyOf, or say \"AnyValidToken\": true (any valid token) or \"Anonymous\": true (no token)"));
        }
    }

    private static bool IsEmptyGroup(RequirementOptions group) =>
        group.Scopes.Count == 0 && group.Roles.Count == 0 && group.Claims.Count == 0 && group.AllOf.Count == 0 && group.AnyOf.Count == 0;

    private static void ValidateGroup(RequirementOptions group, string path, int depth, List<ConfigError> errors)
    {
        if (depth > 8)
        {
            errors.Add(new(path, "requirements nest deeper than 8 levels"));
            return;
        }

        ValidateNonEmpty(group.Scopes, $"{path}:Scopes", "scope", errors);
        ValidateNonEmpty(group.Roles, $"{path}:Roles", "role", errors);
        ValidateNoWhitespace(group.Scopes, $"{path}:Scopes", "scope", errors);
        ValidateNoWhitespace(group.Roles, $"{path}:Roles", "role", errors);
        for (var i = 0; i < group.Claims.Count; i++)
        {
            var rule = group.Claims[i];
            var rulePath = $"{path}:Claims:{i}";
            if (!ClaimPath.IsValid(rule.Claim))
            {
                errors.Add(new($"{rulePath}:Claim", $"'{rule.Claim}' is not a claim path (a claim name, or names joined by '.')"));
            }

            var operators = (rule.EqualTo is not null ? 1 : 0) + (rule.OneOf is not null ? 1 : 0) + (rule.Exists is not null ? 1 : 0) + (rule.Contains is not null ? 1 : 0);
            if (operators != 1)
            {
                errors.Add(new(rulePath, "set exactly one of Equals, OneOf, Exists, Contains"));
            }

            if (rule.OneOf is { Count: 0 })
            {
                errors.Add(new($"{rulePath}:OneOf", "list at least one value"));
            }
        }

        ValidateGroups(group.AllOf, $"{path}:AllOf", depth, errors);
        ValidateGroups(group.AnyOf, $"{path}:AnyOf", depth, errors);
    }

    // An AllOf/AnyOf item with nothing in it always holds: in AnyOf it would accept any valid token.
    private static void ValidateGroups(IReadOnlyList<RequirementOptions> groups, string path, int depth, List<ConfigError> errors)
    {
        for (var i = 0; i < groups.Count; i++)
        {
            if (groups[i] is not { } group || IsEmptyGroup(group))
            {
                errors.Add(new($"{path}:{i}", "empty requirement group: it would always hold; list Scopes, Roles, Claims, AllOf or AnyOf in it, or remove it"));
            }
            else
            {
                ValidateGroup(group, $"{path}:{i}", depth + 1, errors);
            }
        }
    }

    private static void ValidateClaimHeaders(IReadOnlyList<ClaimHeaderOptions> headers, string path, bool allowRemoval, List<ConfigError> errors)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            var itemPath = $"{path}:{i}";
            ValidateHeaderName(header.Header, $"{itemPath}:Header", errors);
            if (!seen.Add(header.Header))
            {
                errors.Add(new($"{itemPath}:Header", $"duplicate header mapping '{header.Header}' (header names are case-insensitive)"));
            }

            if (header.Claim.Length == 0 ? !allowRemoval : !ClaimPath.IsValid(header.Claim))
            {
                errors.Add(new($"{itemPath}:Claim", $"'{header.Claim}' is not a claim path"));
            }
        }
    }

    private static void ValidateHeaderNames(IReadOnlyList<string> names, string path, List<ConfigError> errors)
    {
        for (var i = 0; i < names.Count; i++)
        {
            ValidateHeaderName(names[i], $"{path}:{i}", errors);
        }
    }

    internal static void ValidateHeaderName(string name, string path, List<ConfigError> errors)
    {
        if (string.IsNullOrEmpty(name) || !name.All(IsTokenChar))
        {
            errors.Add(new(path, $"'{name}' is not a valid header name"));
        }
        else if (ReservedHeaders.Contains(name) || name.StartsWith(':'))
        {
            errors.Add(new(path, $"'{name}' is reserved and cannot carry a claim"));
        }
    }

    // RFC 9110 §5.6.2 tchar.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    private static void ValidateTokenSources(TokenSourceOptions sources, List<ConfigError> errors)
    {
        if (!sources.AuthorizationHeader && sources.Headers.Count == 0 && sources.Cookies.Count == 0 && sources.QueryParameters.Count == 0)
        {
            errors.Add(new("Gateway:TokenSources", "no token source is enabled"));
        }

        for (var i = 0; i < sources.Headers.Count; i++)
        {
            if (string.IsNullOrEmpty(sources.Headers[i]) || !sources.Headers[i].All(IsTokenChar))
            {
                errors.Add(new($"Gateway:TokenSources:Headers:{i}", $"'{sources.Headers[i]}' is not a valid header name"));
            }
        }

        ValidateNonEmpty(sources.Cookies, "Gateway:TokenSources:Cookies", "cookie name", errors);
        ValidateNonEmpty(sources.QueryParameters, "Gateway:TokenSources:QueryParameters", "parameter name", errors);
    }

    private static void ValidateLimits(LimitOptions limits, List<ConfigError> errors)
    {
        if (limits.MaxTokenLength is < 256 or > 65536)
        {
            errors.Add(new("Gateway:Limits:MaxTokenLength", "must be between 256 and 65536"));
        }

        RequireRange(limits.MaxTokenHeaderBytes, 64, 16384, "Gateway:Limits:MaxTokenHeaderBytes", errors);
        RequireRange(limits.MaxTokenPayloadBytes, 64, 49152, "Gateway:Limits:MaxTokenPayloadBytes", errors);
        RequireRange(limits.MaxClaimDepth, 2, 64, "Gateway:Limits:MaxClaimDepth", errors);
        if (!Enum.IsDefined(limits.PathNormalization))
        {
            errors.Add(new("Gateway:Limits:PathNormalization", "must be Reject or Normalize"));
        }

        RequireRange(limits.MaxRequestHeadersTotalSize, 4096, 1024 * 1024, "Gateway:Limits:MaxRequestHeadersTotalSize", errors);
        RequireRange(limits.MaxRequestHeaderCount, 16, 1000, "Gateway:Limits:MaxRequestHeaderCount", errors);
        RequireRange(limits.MaxRequestLineSize, 1024, 64 * 1024, "Gateway:Limits:MaxRequestLineSize", errors);
        if (limits.MaxRequestHeadersTotalSize < limits.MaxTokenLength + 1024)
        {
            errors.Add(new("Gateway:Limits:MaxRequestHeadersTotalSize", "must leave room for a token of MaxTokenLength plus 1024 bytes of other headers"));
        }

        if (limits.MaxRequestBodySize < 0)
        {
            errors.Add(new("Gateway:Limits:MaxRequestBodySize", "must not be negative"));
        }

        if (limits.MaxConcurrentConnections < 1)
        {
            errors.Add(new("Gateway:Limits:MaxConcurrentConnections", "must be at least 1"));
        }

        if (limits.MinRequestBodyDataRate < 0 || double.IsNaN(limits.MinRequestBodyDataRate))
        {
            errors.Add(new("Gateway:Limits:MinRequestBodyDataRate", "must be 0 (off) or a positive number of bytes per second"));
        }

        RequirePositive(limits.RequestHeadersTimeout, "Gateway:Limits:RequestHeadersTimeout", errors);
        RequirePositive(limits.KeepAliveTimeout, "Gateway:Limits:KeepAliveTimeout", errors);
    }

    private static void ValidateBackchannel(BackchannelOptions backchannel, List<ConfigError> errors)
    {
        if (backchannel.CaBundlePath is not { } path)
        {
            return;
        }

        if (Hosting.BackchannelTrust.TryLoad(path, out var error) is null)
        {
            errors.Add(new("Gateway:Backchannel:CaBundlePath", error!));
        }
    }

    private static void RequireRange(int value, int min, int max, string path, List<ConfigError> errors)
    {
        if (value < min || value > max)
        {
            errors.Add(new(path, $"must be between {min} and {max}"));
        }
    }

    private static void ValidateRedis(RedisOptions redis, List<ConfigError> errors)
    {
        if (!string.IsNullOrWhiteSpace(redis.Configuration))
        {
            try
            {
                _ = StackExchange.Redis.ConfigurationOptions.Parse(redis.Configuration);
            }
            catch (ArgumentException ex)
            {
                // The message names the bad option, never the password.
                errors.Add(new("Gateway:Redis:Configuration", $"not a valid StackExchange.Redis configuration string: {ex.Message.Split('\n')[0]}"));
            }
        }

        if (!string.IsNullOrWhiteSpace(redis.Configuration) && (redis.IntegrityKey is null || redis.IntegrityKey.Length < 32))
        {
            errors.Add(new("Gateway:Redis:IntegrityKey", "required with Redis, at least 32 characters, the same on every replica (set it from a secret, e.g. Gateway__Redis__IntegrityKey): it stops a writable Redis from injecting signing keys"));
        }

        if (redis.OperationTimeout <= TimeSpan.Zero || redis.OperationTimeout > TimeSpan.FromSeconds(10))
        {
            errors.Add(new("Gateway:Redis:OperationTimeout", "must be between 00:00:00.001 and 00:00:10"));
        }

        if (string.IsNullOrEmpty(redis.KeyPrefix) || redis.KeyPrefix.Any(char.IsWhiteSpace))
        {
            errors.Add(new("Gateway:Redis:KeyPrefix", "must be non-empty and without spaces"));
        }

        ValidateRedisTls(redis, errors);
    }

    // A CA or client certificate without TLS would be silently ignored: the operator believes Redis is checked.
    private static void ValidateRedisTls(RedisOptions redis, List<ConfigError> errors)
    {
        var files = new[] { ("CaCertificatePath", redis.CaCertificatePath), ("ClientCertificatePath", redis.ClientCertificatePath), ("ClientKeyPath", redis.ClientKeyPath) }
            .Where(file => file.Item2 is not null)
            .ToList();
        if (files.Count == 0)
        {
            return;
        }

        bool ssl;
        try
        {
            ssl = !string.IsNullOrWhiteSpace(redis.Configuration) && StackExchange.Redis.ConfigurationOptions.Parse(redis.Configuration).Ssl;
        }
        catch (ArgumentException)
        {
            return; // already reported on Gateway:Redis:Configuration
        }

        if (!ssl)
        {
            foreach (var (name, _) in files)
            {
                errors.Add(new($"Gateway:Redis:{name}", "needs TLS: set ssl=true in Gateway:Redis:Configuration (without it the certificate would be ignored)"));
            }

            return;
        }

        if (redis.CaCertificatePath is { } ca && Hosting.BackchannelTrust.TryLoad(ca, out var caError) is null)
        {
            errors.Add(new("Gateway:Redis:CaCertificatePath", caError!));
        }

        if ((redis.ClientCertificatePath is null) != (redis.ClientKeyPath is null))
        {
            errors.Add(redis.ClientCertificatePath is null
                ? new("Gateway:Redis:ClientCertificatePath", "required with Gateway:Redis:ClientKeyPath")
                : new("Gateway:Redis:ClientKeyPath", "required with Gateway:Redis:ClientCertificatePath (the PEM private key of the client certificate)"));
        }
        else if (redis.ClientCertificatePath is { } certificate)
        {
            using var loaded = Redis.RedisTls.TryLoadClientCertificate(certificate, redis.ClientKeyPath!, out var clientError);
            if (loaded is null)
            {
                errors.Add(new("Gateway:Redis:ClientCertificatePath", clientError!));
            }
        }
    }

    private static void ValidateKeyCache(KeyCacheOptions cache, List<ConfigError> errors)
    {
        RequirePositive(cache.MinRefreshInterval, "Gateway:KeyCache:MinRefreshInterval", errors);
        RequirePositive(cache.MaxRefreshInterval, "Gateway:KeyCache:MaxRefreshInterval", errors);
        RequirePositive(cache.MaxStaleness, "Gateway:KeyCache:MaxStaleness", errors);
        RequirePositive(cache.PeerFetchWait, "Gateway:KeyCache:PeerFetchWait", errors);
        if (cache.MinRefreshInterval > cache.MaxRefreshInterval)
        {
            errors.Add(new("Gateway:KeyCache:MinRefreshInterval", "must not be larger than MaxRefreshInterval"));
        }

        if (cache.MaxStaleness < cache.MinRefreshInterval)
        {
            errors.Add(new("Gateway:KeyCache:MaxStaleness", "must not be smaller than MinRefreshInterval"));
        }
    }

    private static void ValidateTokenCache(TokenCacheOptions cache, List<ConfigError> errors)
    {
        if (cache.MaxEntries is < 1 or > 10_000_000)
        {
            errors.Add(new("Gateway:TokenCache:MaxEntries", "must be between 1 and 10000000"));
        }

        if (cache.MaxEntryLifetime <= TimeSpan.Zero || cache.MaxEntryLifetime > TimeSpan.FromDays(1))
        {
            errors.Add(new("Gateway:TokenCache:MaxEntryLifetime", "must be between 00:00:00.001 and 1.00:00:00"));
        }
    }

    private static void ValidateDevelopment(DevelopmentOptions development, bool isDevelopment, List<ConfigError> errors)
    {
        if (!string.IsNullOrWhiteSpace(development.DemoDownstreamUrl) && development.DemoDownstreamUrl is { } url)
        {
            if (!isDevelopment)
            {
                errors.Add(new("Gateway:Development:DemoDownstreamUrl", "the demo downstream is refused outside the Development environment"));
            }
            else if (!Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                errors.Add(new("Gateway:Development:DemoDownstreamUrl", $"'{url}' is not an absolute URL"));
            }
        }
    }

    private async Task ValidateProxyAsync(GatewayOptions gateway, ProxySection proxy, List<ConfigError> errors)
    {
        var clusterIds = proxy.Clusters.Select(c => c.ClusterId).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var route in proxy.Routes)
        {
            var path = $"ReverseProxy:Routes:{route.RouteId}";
            if (!string.IsNullOrEmpty(route.AuthorizationPolicy))
            {
                errors.Add(new($"{path}:AuthorizationPolicy", "not used by this gateway: name the policy in Metadata:Policy"));
            }

            ValidateUnwiredRouteSettings(route, path, errors);
            ValidateRouteCors(gateway, route, path, errors);
            ValidateRouteRateLimit(gateway, route, path, errors);

            if (route.Metadata is { } metadata)
            {
                if (metadata.TryGetValue(PolicyMetadataKey, out var policy) && !gateway.Policies.ContainsKey(policy))
                {
                    errors.Add(new($"{path}:Metadata:{PolicyMetadataKey}", $"unknown policy '{policy}' (configured: {string.Join(", ", gateway.Policies.Keys)})"));
                }

                ValidateShadowPolicy(gateway, metadata, path, errors);

                if (metadata.TryGetValue(Forwarding.RoutingHeaders.PassHeadersMetadataKey, out var passed))
                {
                    foreach (var name in Forwarding.RoutingHeaders.ParsePassHeaders(passed).Where(name => !Forwarding.RoutingHeaders.Names.Contains(name)))
                    {
                        errors.Add(new($"{path}:Metadata:{Forwarding.RoutingHeaders.PassHeadersMetadataKey}", $"'{name}' is not a header the gateway strips by default (see docs/hardening.md); claim headers and StripHeaders are always stripped"));
                    }
                }

                foreach (var (key, claim) in metadata)
                {
                    if (key.StartsWith(ClaimHeaderMetadataPrefix, StringComparison.OrdinalIgnoreCase))
                    {
                        var header = key[ClaimHeaderMetadataPrefix.Length..];
                        ValidateHeaderName(header, $"{path}:Metadata:{key}", errors);
                        if (claim.Length > 0 && !ClaimPath.IsValid(claim))
                        {
                            errors.Add(new($"{path}:Metadata:{key}", $"'{claim}' is not a claim path"));
                        }
                    }
                }
            }

            // Requests are matched on the canonical host (no trailing dot, see RequestGuard.CheckHost): a host written
            // with one would never match, and its requests would fall through to a laxer route.
            for (var i = 0; i < (route.Match?.Hosts?.Count ?? 0); i++)
            {
                if (route.Match!.Hosts![i] is { } host && (host.EndsWith('.') || host.Contains(".:", StringComparison.Ordinal)))
                {
                    errors.Add(new($"{path}:Match:Hosts:{i}", $"'{host}' ends with a dot: write the host without it (requests are matched with a trailing dot removed)"));
                }
            }

            if (route.ClusterId is not null && !clusterIds.Contains(route.ClusterId))
            {
                errors.Add(new($"{path}:ClusterId", $"unknown cluster '{route.ClusterId}'"));
            }

            if (_proxyValidator is not null)
            {
                // CorsPolicy is checked above against this configuration's Gateway:Cors; YARP's check would ask the CORS
                // policy provider, which serves the active configuration (not yet this one). RateLimiterPolicy likewise
                // names a Gateway:RateLimits policy, not an ASP.NET Core one.
                foreach (var error in await _proxyValidator.ValidateRouteAsync(route with { CorsPolicy = null, RateLimiterPolicy = null }).ConfigureAwait(false))
                {
                    errors.Add(new(path, error.Message));
                }
            }
        }

        if (_proxyValidator is not null)
        {
            foreach (var cluster in proxy.Clusters)
            {
                foreach (var error in await _proxyValidator.ValidateClusterAsync(cluster).ConfigureAwait(false))
                {
                    errors.Add(new($"ReverseProxy:Clusters:{cluster.ClusterId}", error.Message));
                }
            }
        }
    }

    private static void ValidateNonEmpty(IReadOnlyList<string> values, string path, string what, List<ConfigError> errors)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(values[i]))
            {
                errors.Add(new($"{path}:{i}", $"empty {what}"));
            }
        }
    }

    private static void RequirePositive(TimeSpan value, string path, List<ConfigError> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add(new(path, "must be a positive duration (hh:mm:ss)"));
        }
    }
}
