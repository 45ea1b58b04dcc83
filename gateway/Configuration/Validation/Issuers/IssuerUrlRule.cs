namespace Gateway.Configuration.Validation.Issuers;

/// <summary><c>Authority</c>, <c>MetadataAddress</c> and <c>JwksUri</c>: absolute http(s) URLs, plain http only where it cannot be intercepted or in Development.</summary>
internal sealed class IssuerUrlRule : IIssuerRule
{
    public void Validate(string name, IssuerOptions issuer, string path, ConfigValidationContext context)
    {
        IssuerUrlCheck.Validate(issuer.Authority, $"{path}:Authority", issuer, context);
        IssuerUrlCheck.Validate(issuer.MetadataAddress, $"{path}:MetadataAddress", issuer, context);
        IssuerUrlCheck.Validate(issuer.JwksUri, $"{path}:JwksUri", issuer, context);
    }
}
