namespace Gateway.Configuration;

internal sealed partial class GatewayConfigValidator
{
    /// <summary>Route metadata key naming the route's shadow (dry-run) policy: evaluated and counted, never enforced.</summary>
    public const string ShadowPolicyMetadataKey = "ShadowPolicy";

    private static void ValidateDiagnostics(DiagnosticsOptions diagnostics, ManagementOptions management, bool isDevelopment, List<ConfigError> errors)
    {
        // The failed requirement tells any client how the policy is built: never in production.
        if (diagnostics.ExplainDenials && !isDevelopment)
        {
            errors.Add(new("Gateway:Diagnostics:ExplainDenials", "adds the failed requirement to 403 answers: allowed only in the Development environment (the refusal log lines always carry it; use `explain` or the dashboard elsewhere)"));
        }

        var dashboard = diagnostics.Dashboard;
        if (dashboard.ApiKey is { } apiKey && apiKey.Trim().Length < 32)
        {
            errors.Add(new("Gateway:Diagnostics:Dashboard:ApiKey", "must be at least 32 characters (set it from a secret, e.g. Gateway__Diagnostics__Dashboard__ApiKey)"));
        }

        if (!dashboard.Enabled)
        {
            return;
        }

        // It shows the configuration and explains tokens: never reachable from the public listener.
        if (string.IsNullOrWhiteSpace(management.Url))
        {
            errors.Add(new("Gateway:Diagnostics:Dashboard:Enabled", "the dashboard is served only on a separate management listener: set Gateway:Management:Url (e.g. http://127.0.0.1:9090), or disable the dashboard"));
        }

        if (dashboard.ApiKey is null && !isDevelopment)
        {
            errors.Add(new("Gateway:Diagnostics:Dashboard:ApiKey", "required outside the Development environment when the dashboard is enabled (at least 32 characters, from a secret, e.g. Gateway__Diagnostics__Dashboard__ApiKey)"));
        }
    }

    // A route's ShadowPolicy names a configured policy, and the route's enforced policy checks a token (a shadow policy
    // is evaluated on the verified token: an anonymous route verifies none).
    private static void ValidateShadowPolicy(GatewayOptions gateway, IReadOnlyDictionary<string, string> metadata, string path, List<ConfigError> errors)
    {
        if (!metadata.TryGetValue(ShadowPolicyMetadataKey, out var shadow))
        {
            return;
        }

        var shadowPath = $"{path}:Metadata:{ShadowPolicyMetadataKey}";
        if (!gateway.Policies.ContainsKey(shadow))
        {
            errors.Add(new(shadowPath, $"unknown policy '{shadow}' (configured: {string.Join(", ", gateway.Policies.Keys)})"));
            return;
        }

        var enforced = metadata.TryGetValue(PolicyMetadataKey, out var name) ? name : gateway.DefaultPolicy;
        if (enforced is not null && gateway.Policies.TryGetValue(enforced, out var policy) && policy.Anonymous)
        {
            errors.Add(new(shadowPath, $"the route's policy '{enforced}' is anonymous: no token is verified, so a shadow policy has nothing to judge"));
        }
    }
}
