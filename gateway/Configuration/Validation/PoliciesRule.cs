using Gateway.Policies;

namespace Gateway.Configuration.Validation;

/// <summary>
/// <c>Gateway:Policies</c> and <c>Gateway:DefaultPolicy</c>: every policy says what it requires (or that it requires
/// nothing), names known issuers, and its requirements can hold; the default policy requires a token.
/// </summary>
internal sealed class PoliciesRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        var gateway = context.Gateway;
        foreach (var (name, policy) in gateway.Policies)
        {
            var path = $"Gateway:Policies:{name}";
            if (string.Equals(name, PolicyCompiler.BuiltInDefaultName, StringComparison.Ordinal))
            {
                context.Add(path, "this name is reserved for the built-in default policy");
            }

            if (policy.Anonymous && (policy.Scopes.Count > 0 || policy.Roles.Count > 0 || policy.Claims.Count > 0 || policy.AllOf.Count > 0 || policy.AnyOf.Count > 0 || policy.Issuers.Count > 0))
            {
                context.Add(path, "an anonymous policy cannot also require issuers, scopes, roles or claims");
            }

            ValidateExplicitness(policy, path, context);
            for (var i = 0; i < policy.Issuers.Count; i++)
            {
                if (policy.Issuers[i] is not { } issuerName || !gateway.Issuers.ContainsKey(issuerName))
                {
                    context.Add($"{path}:Issuers:{i}", $"unknown issuer '{policy.Issuers[i]}' (configured: {string.Join(", ", gateway.Issuers.Keys)})");
                }
            }

            RequirementChecks.Validate(policy, path, context);
            if (policy.ClaimHeaders is not null)
            {
                HeaderChecks.RequireClaimHeaders(policy.ClaimHeaders, $"{path}:ClaimHeaders", allowRemoval: true, context);
            }
        }

        if (gateway.DefaultPolicy is { } defaultPolicy)
        {
            if (!gateway.Policies.TryGetValue(defaultPolicy, out var policy))
            {
                context.Add("Gateway:DefaultPolicy", $"unknown policy '{defaultPolicy}'");
            }
            else if (policy.Anonymous)
            {
                context.Add("Gateway:DefaultPolicy", $"'{defaultPolicy}' is anonymous; the default policy must require a token (name anonymous policies on routes explicitly)");
            }
        }
    }

    // A policy that requires nothing says so: an empty policy, or one a mistake left empty, is not read as "allow any token".
    private static void ValidateExplicitness(PolicyOptions policy, string path, ConfigValidationContext context)
    {
        var requires = policy.Issuers.Count > 0 || !RequirementChecks.IsEmpty(policy);
        if (policy.AnyValidToken && policy.Anonymous)
        {
            context.Add($"{path}:AnyValidToken", "AnyValidToken (a valid token is required) and Anonymous (no token is required) exclude each other");
        }
        else if (policy.AnyValidToken && requires)
        {
            context.Add($"{path}:AnyValidToken", "AnyValidToken means the policy requires nothing but a valid token: remove it, or remove the issuers, scopes, roles and claims");
        }
        else if (!policy.AnyValidToken && !policy.Anonymous && !requires)
        {
            context.Add(path, "the policy requires nothing: list Issuers, Scopes, Roles, Claims, AllOf or AnyOf, or say \"AnyValidToken\": true (any valid token) or \"Anonymous\": true (no token)");
        }
    }
}
