using Gateway.Configuration;
using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>Turns validated policy options into evaluators, once per configuration load.</summary>
public static class PolicyCompiler
{
    /// <summary>Name of the built-in default policy: any valid token from any configured issuer.</summary>
    public const string BuiltInDefaultName = "(default)";

    public static CompiledPolicy BuiltInDefault { get; } = new(BuiltInDefaultName, false, null, new AllOfRequirement([]), []);

    public static CompiledPolicy Compile(string name, PolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Anonymous)
        {
            return new CompiledPolicy(name, true, null, new AllOfRequirement([]), []);
        }

        return new CompiledPolicy(name, false, options.Issuers, CompileGroup(options), options.Scopes)
        {
            Dpop = options.Dpop,
            RequireCertificateBoundToken = options.RequireCertificateBoundToken,
        };
    }

    private static IRequirement CompileGroup(RequirementOptions group)
    {
        var requirements = new List<IRequirement>();
        requirements.AddRange(group.Scopes.Select(s => new ScopeRequirement(s)));
        requirements.AddRange(group.Roles.Select(r => new RoleRequirement(r)));
        requirements.AddRange(group.Claims.Select(CompileRule));
        requirements.AddRange(group.AllOf.Select(CompileGroup));
        if (group.AnyOf.Count > 0)
        {
            requirements.Add(new AnyOfRequirement(group.AnyOf.Select(CompileGroup).ToArray()));
        }

        return requirements.Count == 1 ? requirements[0] : new AllOfRequirement(requirements);
    }

    private static ClaimRuleRequirement CompileRule(ClaimRuleOptions rule)
    {
        var path = ClaimPath.Parse(rule.Claim);
        if (rule.EqualTo is not null)
        {
            return ClaimRuleRequirement.EqualTo(path, rule.EqualTo);
        }

        if (rule.OneOf is not null)
        {
            return ClaimRuleRequirement.OneOf(path, rule.OneOf);
        }

        if (rule.Contains is not null)
        {
            return ClaimRuleRequirement.Contains(path, rule.Contains);
        }

        return ClaimRuleRequirement.Exists(path, rule.Exists ?? true);
    }
}
