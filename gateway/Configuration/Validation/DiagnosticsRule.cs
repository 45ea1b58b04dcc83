namespace Gateway.Configuration.Validation;

/// <summary><c>Gateway:Diagnostics</c>: denial explanations only in Development; the dashboard only on the management listener, behind a key.</summary>
internal sealed class DiagnosticsRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        var diagnostics = context.Gateway.Diagnostics;

        // The failed requirement tells any client how the policy is built: never in production.
        if (diagnostics.ExplainDenials && !context.IsDevelopment)
        {
            context.Add("Gateway:Diagnostics:ExplainDenials", "adds the failed requirement to 403 answers: allowed only in the Development environment (the refusal log lines always carry it; use `explain` or the dashboard elsewhere)");
        }

        var dashboard = diagnostics.Dashboard;
        if (dashboard.ApiKey is { } apiKey && apiKey.Trim().Length < 32)
        {
            context.Add("Gateway:Diagnostics:Dashboard:ApiKey", "must be at least 32 characters (set it from a secret, e.g. Gateway__Diagnostics__Dashboard__ApiKey)");
        }

        if (!dashboard.Enabled)
        {
            return;
        }

        // It shows the configuration and explains tokens: never reachable from the public listener.
        if (string.IsNullOrWhiteSpace(context.Gateway.Management.Url))
        {
            context.Add("Gateway:Diagnostics:Dashboard:Enabled", "the dashboard is served only on a separate management listener: set Gateway:Management:Url (e.g. http://127.0.0.1:9090), or disable the dashboard");
        }

        if (dashboard.ApiKey is null && !context.IsDevelopment)
        {
            context.Add("Gateway:Diagnostics:Dashboard:ApiKey", "required outside the Development environment when the dashboard is enabled (at least 32 characters, from a secret, e.g. Gateway__Diagnostics__Dashboard__ApiKey)");
        }
    }
}
