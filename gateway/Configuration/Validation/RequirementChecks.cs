using Gateway.Tokens;

namespace Gateway.Configuration.Validation;

/// <summary>A policy's requirement tree (scopes, roles, claim rules, <c>AllOf</c>/<c>AnyOf</c> groups), at most 8 levels deep.</summary>
internal static class RequirementChecks
{
    private const int MaxDepth = 8;

    public static bool IsEmpty(RequirementOptions group) =>
        group.Scopes.Count == 0 && group.Roles.Count == 0 && group.Claims.Count == 0 && group.AllOf.Count == 0 && group.AnyOf.Count == 0;

    public static void Validate(RequirementOptions group, string path, ConfigValidationContext context) => ValidateGroup(group, path, 0, context);

    private static void ValidateGroup(RequirementOptions group, string path, int depth, ConfigValidationContext context)
    {
        if (depth > MaxDepth)
        {
            context.Add(path, "requirements nest deeper than 8 levels");
            return;
        }

        ValueChecks.RequireNonEmpty(group.Scopes, $"{path}:Scopes", "scope", context);
        ValueChecks.RequireNonEmpty(group.Roles, $"{path}:Roles", "role", context);
        ValueChecks.RequireNoWhitespace(group.Scopes, $"{path}:Scopes", "scope", context);
        ValueChecks.RequireNoWhitespace(group.Roles, $"{path}:Roles", "role", context);
        for (var i = 0; i < group.Claims.Count; i++)
        {
            ValidateClaimRule(group.Claims[i], $"{path}:Claims:{i}", context);
        }

        ValidateGroups(group.AllOf, $"{path}:AllOf", depth, context);
        ValidateGroups(group.AnyOf, $"{path}:AnyOf", depth, context);
    }

    private static void ValidateClaimRule(ClaimRuleOptions rule, string rulePath, ConfigValidationContext context)
    {
        if (!ClaimPath.IsValid(rule.Claim))
        {
            context.Add($"{rulePath}:Claim", $"'{rule.Claim}' is not a claim path (a claim name, or names joined by '.')");
        }

        var operators = (rule.EqualTo is not null ? 1 : 0) + (rule.OneOf is not null ? 1 : 0) + (rule.Exists is not null ? 1 : 0) + (rule.Contains is not null ? 1 : 0);
        if (operators != 1)
        {
            context.Add(rulePath, "set exactly one of Equals, OneOf, Exists, Contains");
        }

        if (rule.OneOf is { Count: 0 })
        {
            context.Add($"{rulePath}:OneOf", "list at least one value");
        }
    }

    // An AllOf/AnyOf item with nothing in it always holds: in AnyOf it would accept any valid token.
    private static void ValidateGroups(IReadOnlyList<RequirementOptions> groups, string path, int depth, ConfigValidationContext context)
    {
        for (var i = 0; i < groups.Count; i++)
        {
            if (groups[i] is not { } group || IsEmpty(group))
            {
                context.Add($"{path}:{i}", "empty requirement group: it would always hold; list Scopes, Roles, Claims, AllOf or AnyOf in it, or remove it");
            }
            else
            {
                ValidateGroup(group, $"{path}:{i}", depth + 1, context);
            }
        }
    }
}
