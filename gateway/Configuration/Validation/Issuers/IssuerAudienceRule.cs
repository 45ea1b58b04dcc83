namespace Gateway.Configuration.Validation.Issuers;

/// <summary>An issuer that checks audiences lists them: an empty list would accept none, or be mistaken for "any".</summary>
internal sealed class IssuerAudienceRule : IIssuerRule
{
    public void Validate(string name, IssuerOptions issuer, string path, ConfigValidationContext context)
    {
        if (issuer.ValidateAudience && (issuer.Audiences.Count == 0 || issuer.Audiences.Any(string.IsNullOrWhiteSpace)))
        {
            context.Add($"{path}:Audiences", "list at least one non-empty audience, or set ValidateAudience to false to accept any audience");
        }
    }
}
