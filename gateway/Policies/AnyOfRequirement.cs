using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>At least one inner requirement holds.</summary>
public sealed class AnyOfRequirement(IReadOnlyList<IRequirement> requirements) : IRequirement
{
    private readonly IRequirement[] _requirements = [.. requirements];

    public bool IsSatisfiedBy(TokenClaims claims, TokenIssuer issuer)
    {
        foreach (var requirement in _requirements)
        {
            if (requirement.IsSatisfiedBy(claims, issuer))
            {
                return true;
            }
        }

        return false;
    }
}
