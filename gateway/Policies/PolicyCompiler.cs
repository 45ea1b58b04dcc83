using Gateway.Configuration;
using Gateway.Tokens;

namespace Gateway.Policies;

/// <summary>Turns validated policy options into evaluators, once per configuration load.</summary>
internal static class PolicyCompiler
{
    /// <summary>Name of the built-in default policy: any valid token from any configured issuer.</summary>
    public const string BuiltInDefaultName = "(default)";

    public static CompiledPolicy BuiltInDefault { get; } = new(BuiltInDefaultName, false, null, new AllOfRequirement([], "Gateway:DefaultPolicy", "any valid token (the built-in default policy)"), []);

    public static CompiledPolicy Compile(string name, PolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Anonymous)
        {
            return new CompiledPolicy(name, true, null, new AllOfRequirement([], PathOf(name), "anonymous: no token needed"), []);
        }

        return new CompiledPolicy(name, false, options.Issuers, CompileGroup(options, PathOf(name)), options.Scopes)
        {
            Dpop = options.Dpop,
            RequireCertificateBoundToken = options.RequireCertificateBoundToken,
        };
    }

    /// <summary>The configuration path of policy <paramref name="name"/>: requirements are named by their path under it.</summary>
    public static string PathOf(string name) => name == BuiltInDefaultName ? "Gateway:DefaultPolicy" : $"Gateway:Policies:{name}";

    private static IRequirement CompileGroup(RequirementOptions group, string path)
    {
        var requirements = new List<IRequirement>();
        requirements.AddRange(group.Scopes.Select((s, i) => new ScopeRequirement(s, $"{path}:Scopes:{i}")));
        requirements.AddRange(group.Roles.Select((r, i) => new RoleRequirement(r, $"{path}:Roles:{i}")));
        requirements.AddRange(group.Claims.Select((rule, i) => CompileRule(rule, $"{path}:Claims:{i}")));
        requirements.AddRange(group.AllOf.Select((g, i) => CompileGroup(g, $"{path}:AllOf:{i}")));
        if (group.AnyOf.Count > 0)
        {
            requirements.Add(new AnyOfRequirement(group.AnyOf.Select((g, i) => CompileGroup(g, $"{path}:AnyOf:{i}")).ToArray(), $"{path}:AnyOf"));
        }

        return requirements.Count == 1 ? requirements[0] : new AllOfRequirement(requirements, path);
    }

    private static ClaimRuleRequirement CompileRule(ClaimRuleOptions rule, string path)
    {
        var claim = ClaimPath.Parse(rule.Claim);
        if (rule.EqualTo is not null)
        {
            return ClaimRuleRequirement.EqualTo(claim, rule.EqualTo, path);
        }

        if (rule.OneOf is not null)
        {
            return ClaimRuleRequirement.OneOf(claim, rule.OneOf, path);
        }

        if (rule.Contains is not null)
        {
            return ClaimRuleRequirement.Contains(claim, rule.Contains, path);
        }

        return ClaimRuleRequirement.Exists(claim, rule.Exists ?? true, path);
    }
}
