using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>Every inner requirement holds (an empty group holds: only the built-in default and anonymous policies have one).</summary>
internal sealed class AllOfRequirement(IReadOnlyList<IRequirement> requirements, string path, string? description = null) : IRequirement
{
    private readonly IRequirement[] _requirements = [.. requirements];

    public string Path { get; } = path;

    public string Description { get; } = description ?? $"all of {requirements.Count} requirement(s)";

    public bool Evaluate(TokenClaims claims, TokenIssuer issuer, PolicyTrace? trace)
    {
        var group = trace?.BeginGroup(this, RequirementKind.AllOf) ?? -1;
        var passed = true;
        foreach (var requirement in _requirements)
        {
            if (!requirement.Evaluate(claims, issuer, trace))
            {
                passed = false;
                if (trace is null)
                {
                    return false;
                }
            }
        }

        trace?.EndGroup(group, passed);
        return passed;
    }
}
