using Gateway.Configuration;
using Gateway.Development;

namespace Gateway.Keys;

/// <summary>
/// Where one issuer's keys come from, as a validated configuration says: what the snapshot builder emits for each
/// issuer that verifies signatures, and what <see cref="KeyManagerPool"/> attaches an <see cref="IssuerKeyManager"/>
/// to. Value equality: a reload whose definition of an issuer did not change keeps that issuer's manager (and its
/// loaded keys); any change (address, timing, HTTPS rule, expected issuer) gets a new one.
/// </summary>
internal sealed record KeySourceDefinition(
    KeySourceSettings Settings,
    bool RequireHttpsMetadata,
    string? ExpectedIssuer,
    bool Development,
    string? DevelopmentKeyDirectory,
    string? JwksFile,
    string? InlineJwks,
    bool IsJwksUri)
{
    /// <summary>The issuer's name (the configuration key under <c>Gateway:Issuers</c>).</summary>
    public string IssuerName => Settings.IssuerName;

    /// <summary>The definition of a validated issuer of <paramref name="gateway"/>.</summary>
    public static KeySourceDefinition For(string issuerName, IssuerOptions issuer, string expectedIssuer, GatewayOptions gateway)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(gateway);
        var developmentDirectory = issuer.Development ? gateway.Development.KeyDirectory : null;
        var address = issuer.Development
            ? "development:" + (developmentDirectory ?? DevelopmentKeyStore.DefaultDirectory)
            : issuer.JwksFile is not null ? FileKeyDocumentFetcher.AddressOf(issuer.JwksFile)
            : issuer.Jwks is not null ? InlineKeyDocumentFetcher.AddressOf(issuer.Jwks)
            : issuer.JwksUri ?? issuer.MetadataAddress ?? KeyManagerPool.DiscoveryAddress(issuer.Authority!);
        var cache = gateway.KeyCache;
        var local = issuer.JwksFile is not null || issuer.Jwks is not null;
        var settings = new KeySourceSettings(
            issuerName,
            address,
            issuer.KeyRefreshInterval,
            cache.MinRefreshInterval,
            cache.MaxRefreshInterval,
            issuer.UnknownKidRefreshInterval,
            issuer.FetchTimeout,
            local ? KeySourceSettings.NeverStale : cache.MaxStaleness,
            cache.PeerFetchWait);
        return new KeySourceDefinition(
            settings,
            issuer.RequireHttpsMetadata,
            issuer.JwksUri is null ? expectedIssuer : null,
            issuer.Development,
            developmentDirectory,
            issuer.JwksFile,
            issuer.Jwks,
            issuer.JwksUri is not null);
    }
}
