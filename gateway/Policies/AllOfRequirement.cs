using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>Every inner requirement holds (an empty group holds).</summary>
public sealed class AllOfRequirement(IReadOnlyList<IRequirement> requirements) : IRequirement
{
    private readonly IRequirement[] _requirements = [.. requirements];

    public bool IsSatisfiedBy(TokenClaims claims, TokenIssuer issuer)
    {
        foreach (var requirement in _requirements)
        {
            if (!requirement.IsSatisfiedBy(claims, issuer))
            {
                return false;
            }
        }

        return true;
    }
}
