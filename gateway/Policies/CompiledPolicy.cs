using System.Collections.Frozen;
using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>A policy ready to evaluate: anonymous, or accepted issuers plus a requirement tree.</summary>
public sealed class CompiledPolicy
{
    private readonly FrozenSet<string>? _acceptedIssuers;

    public CompiledPolicy(string name, bool anonymous, IReadOnlyCollection<string>? acceptedIssuers, IRequirement requirement, IReadOnlyList<string> requiredScopes)
    {
        Name = name;
        IsAnonymous = anonymous;
        _acceptedIssuers = acceptedIssuers is { Count: > 0 } ? acceptedIssuers.ToFrozenSet(StringComparer.Ordinal) : null;
        Requirement = requirement;
        ScopeHint = requiredScopes.Count > 0 ? string.Join(' ', requiredScopes) : null;
    }

    /// <summary>Name used in configuration and logs; the built-in default is <c>(default)</c>.</summary>
    public string Name { get; }

    public bool IsAnonymous { get; }

    /// <summary>The policy's <c>Dpop</c> mode; null: each issuer's.</summary>
    public Configuration.DpopMode? Dpop { get; init; }

    /// <summary>Whether only certificate-bound tokens (RFC 8705) are accepted.</summary>
    public bool RequireCertificateBoundToken { get; init; }

    public IRequirement Requirement { get; }

    /// <summary>Scopes required at the top level, announced in the 403 challenge's <c>scope</c> attribute (RFC 6750 §3).</summary>
    public string? ScopeHint { get; }

    public bool AcceptsIssuer(string issuerName) => _acceptedIssuers is null || _acceptedIssuers.Contains(issuerName);

    public PolicyDecision Evaluate(TokenClaims claims, TokenIssuer issuer)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(issuer);
        if (!AcceptsIssuer(issuer.Name))
        {
            return PolicyDecision.IssuerNotAccepted;
        }

        return Requirement.IsSatisfiedBy(claims, issuer) ? PolicyDecision.Allow : PolicyDecision.Forbidden;
    }
}
