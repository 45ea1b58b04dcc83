using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>The token carries this scope, exactly and case-sensitively (<c>scope</c> or <c>scp</c>).</summary>
public sealed class ScopeRequirement(string scope) : IRequirement
{
    public string Scope { get; } = scope;

    public bool IsSatisfiedBy(TokenClaims claims, TokenIssuer issuer) => claims.HasScope(Scope);
}
