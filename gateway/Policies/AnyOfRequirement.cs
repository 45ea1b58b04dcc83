using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>At least one inner requirement holds.</summary>
internal sealed class AnyOfRequirement(IReadOnlyList<IRequirement> requirements, string path) : IRequirement
{
    private readonly IRequirement[] _requirements = [.. requirements];

    public string Path { get; } = path;

    public string Description { get; } = $"any of {requirements.Count} alternative(s)";

    public bool Evaluate(TokenClaims claims, TokenIssuer issuer, PolicyTrace? trace)
    {
        var group = trace?.BeginGroup(this, RequirementKind.AnyOf) ?? -1;
        var passed = false;
        foreach (var requirement in _requirements)
        {
            if (requirement.Evaluate(claims, issuer, trace))
            {
                passed = true;
                if (trace is null)
                {
                    return true;
                }
            }
        }

        trace?.EndGroup(group, passed);
        return passed;
    }
}
