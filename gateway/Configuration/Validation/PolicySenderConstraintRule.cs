namespace Gateway.Configuration.Validation;

/// <summary>A policy's <c>Dpop</c> and <c>RequireCertificateBoundToken</c> apply to a token: an anonymous policy reads none.</summary>
internal sealed class PolicySenderConstraintRule : IConfigRule
{
    public void Validate(ConfigValidationContext context)
    {
        foreach (var (name, policy) in context.Gateway.Policies)
        {
            if (policy.Anonymous && policy.Dpop is not null)
            {
                context.Add($"Gateway:Policies:{name}:Dpop", "an anonymous policy reads no token: DPoP cannot apply to it");
            }

            if (policy.Anonymous && policy.RequireCertificateBoundToken)
            {
                context.Add($"Gateway:Policies:{name}:RequireCertificateBoundToken", "an anonymous policy reads no token: it cannot require a certificate-bound one");
            }
        }
    }
}
