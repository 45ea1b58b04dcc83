namespace Gateway.Configuration;

/// <summary>
/// The <c>Gateway</c> configuration section: everything the gateway adds on top of YARP's
/// standard <c>ReverseProxy</c> section.
/// </summary>
internal sealed record GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Token issuers by name. At least one is required.</summary>
    public IReadOnlyDictionary<string, IssuerOptions> Issuers { get; init; } = new Dictionary<string, IssuerOptions>();

    /// <summary>Authorization policies by name; routes name them in <c>Metadata:Policy</c>.</summary>
    public IReadOnlyDictionary<string, PolicyOptions> Policies { get; init; } = new Dictionary<string, PolicyOptions>();

    /// <summary>
    /// The policy of a route that names none. When unset, the built-in default applies:
    /// any valid token from any configured issuer. It can never be an anonymous policy.
    /// </summary>
    public string? DefaultPolicy { get; init; }

    /// <summary>Verified claims forwarded to every route as headers (policies and routes may override).</summary>
    public IReadOnlyList<ClaimHeaderOptions> ClaimHeaders { get; init; } = [];

    /// <summary>Name of the header that carries, on every authenticated request, the configured name of the issuer that authenticated it.</summary>
    public const string DefaultIssuerHeader = "X-Auth-Issuer";

    /// <summary>
    /// The issuer header's name (default <see cref="DefaultIssuerHeader"/>). It cannot be disabled: without it, two
    /// issuers' tokens with the same claims give a downstream identical headers. Stripped from every client request.
    /// </summary>
    public string IssuerHeader { get; init; } = DefaultIssuerHeader;

    /// <summary>Extra header names removed from every client request, besides the claim headers.</summary>
    public IReadOnlyList<string> StripHeaders { get; init; } = [];

    /// <summary>CORS policies by name; routes name them in YARP's <c>CorsPolicy</c> route setting.</summary>
    public IReadOnlyDictionary<string, CorsPolicyOptions> Cors { get; init; } = new Dictionary<string, CorsPolicyOptions>();

    /// <summary>Rate-limit policies by name; routes name them in YARP's <c>RateLimiterPolicy</c> route setting (docs/rate-limits.md).</summary>
    public IReadOnlyDictionary<string, RateLimitPolicyOptions> RateLimits { get; init; } = new Dictionary<string, RateLimitPolicyOptions>();

    /// <summary>
    /// Addresses (<c>10.0.0.5</c>) or networks (<c>10.0.0.0/8</c>) of proxies in front of the gateway whose
    /// <c>X-Forwarded-For</c> is believed when a rate limit keys by client address. Empty: the connection's address.
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];

    /// <summary>Where tokens are read from.</summary>
    public TokenSourceOptions TokenSources { get; init; } = new();

    /// <summary>Limits on what the gateway accepts.</summary>
    public LimitOptions Limits { get; init; } = new();

    /// <summary>Whether the header that carried the token (Authorization or a custom token header) is forwarded to the downstream (default true).</summary>
    public bool ForwardAuthorizationHeader { get; init; } = true;

    /// <summary>Lifetimes of cached signing keys.</summary>
    public KeyCacheOptions KeyCache { get; init; } = new();

    /// <summary>The validated-token cache (on by default).</summary>
    public TokenCacheOptions TokenCache { get; init; } = new();

    /// <summary>TLS trust for discovery and JWKS requests.</summary>
    public BackchannelOptions Backchannel { get; init; } = new();

    /// <summary>Optional shared key cache.</summary>
    public RedisOptions Redis { get; init; } = new();

    /// <summary>Token revocation: entry lifetimes and the management endpoint (see docs/revocation.md).</summary>
    public RevocationOptions Revocation { get; init; } = new();

    /// <summary>Logs, access log and metrics (see docs/operations.md).</summary>
    public ObservabilityOptions Observability { get; init; } = new();

    /// <summary>Health and metrics endpoints, graceful shutdown (see docs/operations.md).</summary>
    public ManagementOptions Management { get; init; } = new();

    /// <summary>Decision explanations: 403 details in Development, the operator dashboard (see docs/operations.md).</summary>
    public DiagnosticsOptions Diagnostics { get; init; } = new();

    /// <summary>DPoP proof verification (RFC 9449; see docs/sender-constrained-tokens.md).</summary>
    public DpopOptions Dpop { get; init; } = new();

    /// <summary>Certificate-bound tokens (RFC 8705; see docs/sender-constrained-tokens.md).</summary>
    public CertificateBindingOptions CertificateBinding { get; init; } = new();

    /// <summary>Development-only conveniences (demo downstream).</summary>
    public DevelopmentOptions Development { get; init; } = new();
}
