using System.Collections.Frozen;
using Gateway.Keys;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tokens;

/// <summary>
/// How tokens of one configured issuer are verified (a <em>provider</em>, in Envoy jwt_authn's terms): who signs
/// (keys), what <c>iss</c>, <c>aud</c> and algorithms are accepted, how much clock skew is tolerated, which header and
/// payload shapes pass. What a route requires of a token is a policy's business, not this one's: policies see only
/// the issuer's <see cref="Identity"/>.
/// </summary>
internal sealed class IssuerProvider
{
    // The key set and the parameters built from it travel as one immutable object behind one reference:
    // a reader sees either the old pair or the new one, never new keys with old parameters (a tuple
    // field would be copied member by member, and a concurrent swap could be read half-written).
    private volatile KeyedParameters? _parameters;

    public IssuerProvider(
        string name,
        string expectedIssuer,
        IReadOnlyList<string> audiences,
        bool validateAudience,
        IReadOnlyList<string> algorithms,
        TimeSpan clockSkew,
        ClaimPath roleClaim,
        IssuerKeyManager keys,
        TokenShapeRules? shape = null,
        Configuration.DpopMode dpop = Configuration.DpopMode.Allowed)
    {
        Name = name;
        ExpectedIssuer = expectedIssuer;
        Audiences = audiences;
        ValidateAudience = validateAudience;
        Algorithms = algorithms.ToFrozenSet(StringComparer.Ordinal);
        ClockSkew = clockSkew;
        RoleClaim = roleClaim;
        Keys = keys;
        Identity = new TokenIssuer(name, roleClaim) { Dpop = dpop };
        Shape = shape ?? TokenShapeRules.Default with { ClockSkew = clockSkew };
    }

    public string Name { get; }

    public string ExpectedIssuer { get; }

    public IReadOnlyList<string> Audiences { get; }

    public bool ValidateAudience { get; }

    public FrozenSet<string> Algorithms { get; }

    public TimeSpan ClockSkew { get; }

    public ClaimPath RoleClaim { get; }

    public IssuerKeyManager Keys { get; }

    /// <summary>The issuer as policies and claim headers see it: its name and role claim.</summary>
    public TokenIssuer Identity { get; }

    /// <summary>Header and payload rules checked before any crypto (<see cref="TokenShapeInspector"/>).</summary>
    public TokenShapeRules Shape { get; }

    /// <summary>
    /// Validation parameters for a key set, built once per set: a request only looks them up.
    /// Signature, <c>exp</c> (required), <c>nbf</c>, <c>iss</c> (exact) and <c>aud</c> are checked by
    /// <c>JsonWebTokenHandler</c> under these rules.
    /// </summary>
    public TokenValidationParameters ParametersFor(IssuerKeySet keys)
    {
        var cached = _parameters;
        if (cached is not null && ReferenceEquals(cached.Keys, keys))
        {
            return cached.Parameters;
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuer = ExpectedIssuer,
            ValidateIssuer = true,
            ValidAudiences = Audiences,
            ValidateAudience = ValidateAudience,
            ValidAlgorithms = Algorithms,
            IssuerSigningKeys = keys.Keys,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = ClockSkew,
            // Only reached for tokens without a kid: the validator has already matched any kid to a key.
            TryAllIssuerSigningKeys = true,
            // After the signature verifies: the key that verified it must agree with the token's alg
            // (kty/crv, use, key_ops, alg). Tokens with a kid were already checked before any crypto.
            ValidateIssuerSigningKey = true,
            IssuerSigningKeyValidator = static (key, token, _) => key is JsonWebKey jwk && token is JsonWebToken jwt && KeyAlgorithmAgreement.Allows(jwk, jwt.Alg),
            // The default algorithms plus EdDSA (Ed25519) through the custom provider.
            CryptoProviderFactory = EdDsa.EdDsaCryptoProvider.Factory,
            SaveSigninToken = false,
        };
        _parameters = new KeyedParameters(keys, parameters);
        return parameters;
    }

    private sealed record KeyedParameters(IssuerKeySet Keys, TokenValidationParameters Parameters);
}
