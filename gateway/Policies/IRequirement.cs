using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>One compiled check on verified claims. Evaluated per request; built once per configuration.</summary>
public interface IRequirement
{
    bool IsSatisfiedBy(TokenClaims claims, TokenIssuer issuer);
}
