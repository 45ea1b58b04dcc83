namespace Gateway.Development;

internal static class DevelopmentIssuerDefaults
{
    /// <summary>The <c>iss</c> of development tokens when the issuer sets none.</summary>
    public const string Issuer = "http://localhost:8080/dev-issuer";

    /// <summary>Where the gateway publishes the development issuer's public keys (Development only).</summary>
    public const string JwksPath = "/dev-issuer/jwks.json";

    public const string DiscoveryPath = "/dev-issuer/.well-known/openid-configuration";
}
