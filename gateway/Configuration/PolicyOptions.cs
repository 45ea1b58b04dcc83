namespace Gateway.Configuration;

/// <summary>
/// A named authorization policy. Everything listed must hold (scopes, roles, claim rules, every
/// <see cref="RequirementOptions.AllOf"/> group and at least one <see cref="RequirementOptions.AnyOf"/> group).
/// </summary>
internal sealed record PolicyOptions : RequirementOptions
{
    /// <summary>No token needed; nothing else may be set except claim headers (which then never apply).</summary>
    public bool Anonymous { get; init; }

    /// <summary>
    /// Any valid token from any configured issuer is enough. A policy that requires nothing must say so with
    /// this flag: an empty policy (or one left empty by a mistake) is refused rather than read as "allow".
    /// </summary>
    public bool AnyValidToken { get; init; }

    /// <summary>Names of accepted issuers; empty means every configured issuer.</summary>
    public IReadOnlyList<string> Issuers { get; init; } = [];

    /// <summary>
    /// Name of a <c>Gateway:RateLimits</c> policy for every route using this policy (anonymous ones included: counted by
    /// client address). A route's own <c>RateLimiterPolicy</c> takes precedence.
    /// </summary>
    public string? RateLimit { get; init; }

    /// <summary>Claim headers for routes using this policy, merged over the global ones by header name.</summary>
    public IReadOnlyList<ClaimHeaderOptions>? ClaimHeaders { get; init; }

    /// <summary>DPoP for routes of this policy; unset: the issuer's. <c>Required</c> on either the policy or the issuer wins.</summary>
    public DpopMode? Dpop { get; init; }

    /// <summary>Accept only certificate-bound tokens (<c>cnf["x5t#S256"]</c>, RFC 8705) presented over that certificate. Default false.</summary>
    public bool RequireCertificateBoundToken { get; init; }
}
