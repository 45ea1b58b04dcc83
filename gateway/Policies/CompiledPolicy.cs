using System.Collections.Frozen;
using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>A policy ready to evaluate: anonymous, or accepted issuers plus a requirement tree.</summary>
internal sealed class CompiledPolicy
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

    /// <summary>The issuers the policy accepts, or null for any configured issuer.</summary>
    public IReadOnlyCollection<string>? AcceptedIssuers => _acceptedIssuers;

    public bool AcceptsIssuer(string issuerName) => _acceptedIssuers is null || _acceptedIssuers.Contains(issuerName);

    /// <summary>
    /// The policy's decision on a verified token. The request path passes no <paramref name="trace"/> (nothing is
    /// allocated); <see cref="Explain"/> passes one to the very same evaluation.
    /// </summary>
    public PolicyDecision Evaluate(TokenClaims claims, TokenIssuer issuer, PolicyTrace? trace = null)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(issuer);
        var accepted = AcceptsIssuer(issuer.Name);
        if (trace is not null)
        {
            var issuers = _acceptedIssuers is null ? "any configured issuer" : string.Join(", ", _acceptedIssuers.Order(StringComparer.Ordinal));
            trace.Check(PolicyCompiler.PathOf(Name) + ":Issuers", $"issuer accepted ({issuers})", accepted, $"\"{issuer.Name}\"");
        }
        else if (!accepted)
        {
            return PolicyDecision.IssuerNotAccepted;
        }

        // Traced, the requirements are evaluated even for an issuer the policy refuses: the trace shows all of it.
        var satisfied = Requirement.Evaluate(claims, issuer, trace);
        return !accepted ? PolicyDecision.IssuerNotAccepted : satisfied ? PolicyDecision.Allow : PolicyDecision.Forbidden;
    }

    /// <summary>Evaluates the policy like <see cref="Evaluate"/> and records every requirement's result: for refusals, <c>explain</c> and shadow policies.</summary>
    public (PolicyDecision Decision, PolicyTrace Trace) Explain(TokenClaims claims, TokenIssuer issuer)
    {
        var trace = new PolicyTrace();
        var decision = Evaluate(claims, issuer, trace);
        return (decision, trace);
    }
}
