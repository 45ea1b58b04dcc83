using Microsoft.Extensions.Configuration;

namespace Gateway.Configuration;

internal static partial class GatewayConfigReader
{
    // An empty JSON array reaches the configuration as a key without value, which the binder skips: "AllowedHeaders": []
    // would read as "not set" and get the defaults (Authorization, Content-Type), a wider policy than written. Here it
    // reads as written: an empty list.
    private static Dictionary<string, CorsPolicyOptions> BindCors(IConfigurationSection section, List<ConfigError> errors)
    {
        var policies = BindMap<CorsPolicyOptions>(section, errors);
        foreach (var (name, policy) in policies.ToList())
        {
            var policySection = section.GetSection(name);
            policies[name] = policy with
            {
                AllowedMethods = policy.AllowedMethods ?? (IsEmptyList(policySection, nameof(CorsPolicyOptions.AllowedMethods)) ? [] : null),
                AllowedHeaders = policy.AllowedHeaders ?? (IsEmptyList(policySection, nameof(CorsPolicyOptions.AllowedHeaders)) ? [] : null),
            };
        }

        return policies;
    }

    private static bool IsEmptyList(IConfigurationSection policy, string key) =>
        policy.GetChildren().FirstOrDefault(c => string.Equals(c.Key, key, StringComparison.OrdinalIgnoreCase)) is { } child
        && child.Value is null or "" && !child.GetChildren().Any();
}
