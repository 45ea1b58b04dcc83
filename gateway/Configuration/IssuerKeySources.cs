namespace Gateway.Configuration;

/// <summary>Where an issuer's signing keys come from: the validator counts the sources, the builder asks whether keys are needed.</summary>
internal static class IssuerKeySources
{
    /// <summary>
    /// How many key sources the issuer names: OIDC discovery (Authority or MetadataAddress), JwksUri, JwksFile, Jwks,
    /// Development. A valid issuer has exactly one, or none when it only introspects.
    /// </summary>
    public static int Count(IssuerOptions issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        return (issuer.Authority is not null || issuer.MetadataAddress is not null ? 1 : 0)
            + (issuer.JwksUri is not null ? 1 : 0)
            + (issuer.JwksFile is not null ? 1 : 0)
            + (issuer.Jwks is not null ? 1 : 0)
            + (issuer.Development ? 1 : 0);
    }

    /// <summary>
    /// Whether the issuer's tokens are verified by signature with keys from a key source (and so need keys): not when it
    /// has none, nor when it introspects every token (<c>Tokens: All</c>), where its Authority serves only discovery.
    /// </summary>
    public static bool VerifiesSignatures(IssuerOptions issuer) =>
        Count(issuer) > 0 && issuer.Introspection is not { Tokens: IntrospectedTokens.All };
}
