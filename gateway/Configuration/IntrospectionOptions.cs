namespace Gateway.Configuration;

/// <summary>
/// OAuth 2.0 Token Introspection (RFC 7662) for one issuer: tokens the gateway cannot verify itself (opaque,
/// reference tokens; or every token, with <see cref="Tokens"/> <c>All</c>) are sent to the authorization server's
/// introspection endpoint, and its answer is cached. At most one issuer introspects: an opaque token names no issuer.
/// </summary>
internal sealed record IntrospectionOptions
{
    /// <summary>The introspection endpoint. Unset: discovery's <c>introspection_endpoint</c> (needs the issuer's Authority or MetadataAddress).</summary>
    public string? Endpoint { get; init; }

    /// <summary>Which tokens are introspected: <c>Opaque</c> (tokens that are not JWTs; the default) or <c>All</c>.</summary>
    public IntrospectedTokens Tokens { get; init; } = IntrospectedTokens.Opaque;

    /// <summary>The gateway's client id at the authorization server.</summary>
    public string? ClientId { get; init; }

    /// <summary>The client secret; supply it from a secret (environment variable <c>Gateway__Issuers__{name}__Introspection__ClientSecret</c>), never in a file in the repository.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>Absolute path of a file holding the client secret (e.g. a mounted Kubernetes Secret); read whenever the configuration is loaded.</summary>
    public string? ClientSecretFile { get; init; }

    /// <summary>How the gateway authenticates: <c>client_secret_basic</c> (the default) or <c>client_secret_post</c> (RFC 6749 §2.3.1).</summary>
    public string ClientAuthentication { get; init; } = IntrospectionClientAuthentication.Basic;

    /// <summary>Budget for one introspection call (and the discovery read before the first); a request never waits longer. Default 3 seconds.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Longest time an active answer is served from the cache (never past the token's <c>exp</c>). Default 60 seconds.</summary>
    public TimeSpan MaxCacheDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an inactive answer is served from the cache. Default 10 seconds.</summary>
    public TimeSpan InactiveCacheDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most answers held in memory per replica. Default 10000.</summary>
    public int MaxCacheEntries { get; init; } = 10_000;
}

/// <summary>Which tokens an introspecting issuer sends to its authorization server.</summary>
internal enum IntrospectedTokens
{
    /// <summary>Tokens that are not JWTs (JWTs are verified by signature, when the issuer has a key source).</summary>
    Opaque,

    /// <summary>Every token: opaque tokens, JWTs carrying this issuer's <c>iss</c> and JWTs of no configured issuer.</summary>
    All,
}

/// <summary>The client authentication methods (RFC 7591 names) the gateway supports at the introspection endpoint.</summary>
internal static class IntrospectionClientAuthentication
{
    public const string Basic = "client_secret_basic";
    public const string Post = "client_secret_post";
}
