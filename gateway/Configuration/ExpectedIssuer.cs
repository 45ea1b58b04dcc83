namespace Gateway.Configuration;

/// <summary>The exact <c>iss</c> value a configured issuer accepts: one rule for the validator, the builder and the tools.</summary>
internal static class ExpectedIssuer
{
    /// <summary>
    /// <c>Issuer</c> when set; else the development issuer's for a development issuer; else the <c>Authority</c>
    /// (OIDC discovery names the issuer and must agree with it). Null or empty when none applies.
    /// </summary>
    public static string? Of(IssuerOptions issuer, string developmentIssuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        if (!string.IsNullOrEmpty(issuer.Issuer))
        {
            return issuer.Issuer;
        }

        return issuer.Development ? developmentIssuer : issuer.Authority;
    }
}
