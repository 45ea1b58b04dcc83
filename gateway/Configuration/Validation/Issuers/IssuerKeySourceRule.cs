namespace Gateway.Configuration.Validation.Issuers;

/// <summary>Exactly one key source (none only for an issuer that introspects): two would leave it open which keys sign.</summary>
internal sealed class IssuerKeySourceRule : IIssuerRule
{
    public void Validate(string name, IssuerOptions issuer, string path, ConfigValidationContext context)
    {
        var sources = IssuerKeySources.Count(issuer);
        if (sources == 0 && issuer.Introspection is null)
        {
            context.Add(path, "no key source: set Authority (OIDC discovery), MetadataAddress, JwksUri (with Issuer), JwksFile (with Issuer), Jwks (with Issuer) or Development");
        }
        else if (sources > 1)
        {
            context.Add(path, "more than one key source: set only one of Authority/MetadataAddress, JwksUri, JwksFile, Jwks, Development");
        }
    }
}
