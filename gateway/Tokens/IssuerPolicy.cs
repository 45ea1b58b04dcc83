using System.Collections.Frozen;
using Gateway.Keys;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tokens;

/// <summary>
/// The compiled rules for tokens of one configured issuer: who signs (keys), what <c>iss</c>,
/// <c>aud</c> and algorithms are accepted, how much clock skew is tolerated.
/// </summary>
public sealed class IssuerPolicy
{
    private (IssuerKeySet Keys, TokenValidationParameters Parameters)? _parameters;

    public IssuerPolicy(
        string name,
        string expectedIssuer,
        IReadOnlyList<string> audiences,
        bool validateAudience,
        IReadOnlyList<string> algorithms,
        TimeSpan clockSkew,
        ClaimPath roleClaim,
        IssuerKeyManager keys)
    {
        Name = name;
        ExpectedIssuer = expectedIssuer;
        Audiences = audiences;
        ValidateAudience = validateAudience;
        Algorithms = algorithms.ToFrozenSet(StringComparer.Ordinal);
        ClockSkew = clockSkew;
        RoleClaim = roleClaim;
        Keys = keys;
    }

    public string Name { get; }

    public string ExpectedIssuer { get; }

    public IReadOnlyList<string> Audiences { get; }

    public bool ValidateAudience { get; }

    public FrozenSet<string> Algorithms { get; }

    public TimeSpan ClockSkew { get; }

    public ClaimPath RoleClaim { get; }

    public IssuerKeyManager Keys { get; }

    /// <summary>
    /// Validation parameters for a key set, built once per set: a request only looks them up.
    /// Signature, <c>exp</c> (required), <c>nbf</c>, <c>iss</c> (exact) and <c>aud</c> are checked by
    /// <c>JsonWebTokenHandler</c> under these rules.
    /// </summary>
    public TokenValidationParameters ParametersFor(IssuerKeySet keys)
    {
        var cached = _parameters;
        if (cached is { } c && ReferenceEquals(c.Keys, keys))
        {
            return c.Parameters;
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
            ValidateIssuerSigningKey = false,
            SaveSigninToken = false,
        };
        _parameters = (keys, parameters);
        return parameters;
    }
}
