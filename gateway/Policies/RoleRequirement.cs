using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>The issuer's role claim (a string or an array) holds this role exactly.</summary>
public sealed class RoleRequirement(string role) : IRequirement
{
    public string Role { get; } = role;

    public bool IsSatisfiedBy(TokenClaims claims, TokenIssuer issuer) => claims.HasRole(issuer.RoleClaim, Role);
}
