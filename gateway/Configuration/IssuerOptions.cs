namespace Gateway.Configuration;

/// <summary>How to verify tokens from one issuer. Exactly one key source: Authority, MetadataAddress, JwksUri, JwksFile, Jwks or Development.</summary>
internal sealed record IssuerOptions
{
    /// <summary>OIDC authority; discovery is read from <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; init; }

    /// <summary>Full discovery document URL, when it is not under the authority.</summary>
    public string? MetadataAddress { get; init; }

    /// <summary>A plain JWKS URL (no discovery); <see cref="Issuer"/> is then required.</summary>
    public string? JwksUri { get; init; }

    /// <summary>
    /// Absolute path of a JWKS file (e.g. a Kubernetes Secret mounted as a volume); <see cref="Issuer"/> is then required.
    /// Read at start (missing or invalid: a configuration error), then again whenever its content changes.
    /// </summary>
    public string? JwksFile { get; init; }

    /// <summary>
    /// A JWKS written into the configuration, as a JSON string (<c>"{\"keys\":[...]}"</c>): a string round-trips
    /// unchanged through every configuration layer, where an object would be flattened. <see cref="Issuer"/> is then required.
    /// </summary>
    public string? Jwks { get; init; }

    /// <summary>The exact <c>iss</c> value. Defaults to <see cref="Authority"/> when that is set.</summary>
    public string? Issuer { get; init; }

    /// <summary>The built-in development issuer (keys generated locally). Refused outside Development.</summary>
    public bool Development { get; init; }

    /// <summary>Accepted audiences; a token passes when any of its <c>aud</c> values is listed.</summary>
    public IReadOnlyList<string> Audiences { get; init; } = [];

    /// <summary>Set to false to accept any audience. Required to be explicit: the default is to validate.</summary>
    public bool ValidateAudience { get; init; } = true;

    /// <summary>Allowed signing algorithms; default: every supported asymmetric algorithm.</summary>
    public IReadOnlyList<string> Algorithms { get; init; } = [];

    /// <summary>Tolerance for exp/nbf; default 60 seconds.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Require https for discovery and JWKS (default true). Plain http is allowed on loopback only when false.</summary>
    public bool RequireHttpsMetadata { get; init; } = true;

    /// <summary>Claim (path) holding roles; a string or an array. Default <c>roles</c>.</summary>
    public string RoleClaim { get; init; } = "roles";

    /// <summary>
    /// Lifetime of a fetched key set when the IdP sends no <c>Cache-Control: max-age</c> (bounded by
    /// <c>KeyCache:MinRefreshInterval</c>/<c>MaxRefreshInterval</c>); keys are refreshed ahead, at 80% of it. Default 1 hour.
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Minimum time between two fetches caused by unknown kids, per replica and (with Redis) across
    /// the fleet; unknown kids are answered 401 at once in between. Default 30 seconds.
    /// </summary>
    public TimeSpan UnknownKidRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When set, the token header's <c>typ</c> must be this media type (RFC 9068: <c>at+jwt</c>), compared
    /// case-insensitively and with an optional <c>application/</c> prefix. Default: any or no <c>typ</c>.
    /// </summary>
    public string? RequiredType { get; init; }

    /// <summary>When set, a token whose <c>exp</c> lies further than this after its <c>iat</c> (else <c>nbf</c>, else now) is refused.</summary>
    public TimeSpan? MaxTokenLifetime { get; init; }

    /// <summary>
    /// Claim headers for this issuer's tokens, merged over the global <c>Gateway:ClaimHeaders</c> by header name
    /// (policies and routes then override both); <c>"Claim": ""</c> removes a global header for this issuer.
    /// </summary>
    public IReadOnlyList<ClaimHeaderOptions>? ClaimHeaders { get; init; }

    /// <summary>
    /// Token introspection (RFC 7662) for this issuer's opaque tokens, or all of them. With <c>Tokens: All</c>, or without
    /// a key source, the issuer needs no signing keys.
    /// </summary>
    public IntrospectionOptions? Introspection { get; init; }

    /// <summary>Budget for one key load (discovery + JWKS); a request never waits longer for keys. Default 5 seconds.</summary>
    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether this issuer's tokens may (Allowed, default) or must (Required) come with a DPoP proof, or may not (Off).</summary>
    public DpopMode Dpop { get; init; } = DpopMode.Allowed;
}
