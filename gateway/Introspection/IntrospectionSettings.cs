using Gateway.Configuration;
using Gateway.Tokens;

namespace Gateway.Introspection;

/// <summary>
/// One introspecting issuer's settings, compiled from its configuration. A class, not a record: a record's
/// generated <c>ToString</c> would print the client secret into any log or exception that formats it.
/// </summary>
internal sealed class IntrospectionSettings
{
    public IntrospectionSettings(string issuerName, IssuerOptions issuer, string expectedIssuer, string clientSecret)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var introspection = issuer.Introspection ?? throw new ArgumentException("The issuer does not introspect.", nameof(issuer));
        IssuerName = issuerName;
        ExpectedIssuer = expectedIssuer;
        Endpoint = introspection.Endpoint;
        DiscoveryAddress = introspection.Endpoint is not null ? null
            : issuer.MetadataAddress ?? Keys.KeyManagerPool.DiscoveryAddress(issuer.Authority!);
        RequireHttps = issuer.RequireHttpsMetadata;
        ClientId = introspection.ClientId!;
        ClientSecret = clientSecret;
        PostCredentials = introspection.ClientAuthentication == IntrospectionClientAuthentication.Post;
        Tokens = introspection.Tokens;
        Timeout = introspection.Timeout;
        MaxCacheDuration = introspection.MaxCacheDuration;
        InactiveCacheDuration = introspection.InactiveCacheDuration;
        MaxCacheEntries = introspection.MaxCacheEntries;
        Audiences = issuer.Audiences.ToHashSet(StringComparer.Ordinal);
        ValidateAudience = issuer.ValidateAudience;
        ClockSkew = issuer.ClockSkew;
        // Everything a policy reads of the issuer, its Dpop mode included: an opaque token of an issuer that requires
        // DPoP is held to it exactly like the issuer's JWTs (IssuerProvider builds the same identity).
        Identity = new TokenIssuer(issuerName, ClaimPath.Parse(issuer.RoleClaim)) { Dpop = issuer.Dpop };
    }

    public string IssuerName { get; }

    /// <summary>The <c>iss</c> an answer may name (an answer naming another is refused).</summary>
    public string ExpectedIssuer { get; }

    /// <summary>The configured endpoint, or null when discovery names it.</summary>
    public string? Endpoint { get; }

    /// <summary>The discovery document to read <c>introspection_endpoint</c> from, when no endpoint is configured.</summary>
    public string? DiscoveryAddress { get; }

    public bool RequireHttps { get; }

    public string ClientId { get; }

    public string ClientSecret { get; }

    /// <summary>client_secret_post (credentials in the form body) instead of client_secret_basic.</summary>
    public bool PostCredentials { get; }

    public IntrospectedTokens Tokens { get; }

    public TimeSpan Timeout { get; }

    public TimeSpan MaxCacheDuration { get; }

    public TimeSpan InactiveCacheDuration { get; }

    public int MaxCacheEntries { get; }

    public IReadOnlySet<string> Audiences { get; }

    public bool ValidateAudience { get; }

    public TimeSpan ClockSkew { get; }

    /// <summary>The issuer as policies and claim headers see it.</summary>
    public TokenIssuer Identity { get; }

    public override string ToString() => $"introspection for issuer {IssuerName}";
}
