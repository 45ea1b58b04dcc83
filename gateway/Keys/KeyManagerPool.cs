using System.Collections.Concurrent;
using Gateway.Configuration;
using Gateway.Development;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols;

namespace Gateway.Keys;

/// <summary>
/// Creates one <see cref="IssuerKeyManager"/> per key source and keeps it across configuration
/// reloads while the source's settings do not change, so a reload never drops loaded keys.
/// </summary>
public sealed class KeyManagerPool
{
    private readonly ConcurrentDictionary<(KeySourceSettings Settings, bool RequireHttps, string? ExpectedIssuer), IssuerKeyManager> _managers = new();
    private readonly IHttpClientFactory _httpClients;
    private readonly IKeyDocumentCache _cache;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly Func<string?, DevelopmentKeyStore> _developmentKeys;

    public KeyManagerPool(IHttpClientFactory httpClients, IKeyDocumentCache cache, TimeProvider time, ILoggerFactory loggers, Func<string?, DevelopmentKeyStore> developmentKeys)
    {
        _httpClients = httpClients;
        _cache = cache;
        _time = time;
        _loggers = loggers;
        _developmentKeys = developmentKeys;
    }

    /// <summary>Name of the HttpClient used for discovery and JWKS requests.</summary>
    public const string HttpClientName = "jwt-gateway-keys";

    public IssuerKeyManager GetOrCreate(string issuerName, IssuerOptions issuer, string expectedIssuer, DevelopmentOptions development)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(development);
        var address = issuer.Development
            ? "development:" + (development.KeyDirectory ?? DevelopmentKeyStore.DefaultDirectory)
            : issuer.JwksUri ?? issuer.MetadataAddress ?? DiscoveryAddress(issuer.Authority!);
        var settings = new KeySourceSettings(issuerName, address, issuer.KeyRefreshInterval, issuer.UnknownKidRefreshInterval, issuer.FetchTimeout);
        var key = (settings, issuer.RequireHttpsMetadata, issuer.JwksUri is null ? expectedIssuer : null);
        return _managers.GetOrAdd(key, k => new IssuerKeyManager(k.Settings, CreateFetcher(issuer, k.Settings, k.ExpectedIssuer, development), _cache, _time, _loggers.CreateLogger<IssuerKeyManager>()));
    }

    public static string DiscoveryAddress(string authority) => authority.TrimEnd('/') + "/.well-known/openid-configuration";

    private IKeyDocumentFetcher CreateFetcher(IssuerOptions issuer, KeySourceSettings settings, string? expectedIssuer, DevelopmentOptions development)
    {
        if (issuer.Development)
        {
            return new DevelopmentKeyFetcher(_developmentKeys(development.KeyDirectory), _time);
        }

        var retriever = new HttpDocumentRetriever(_httpClients.CreateClient(HttpClientName)) { RequireHttps = issuer.RequireHttpsMetadata };
        return issuer.JwksUri is not null
            ? new JwksFetcher(settings.SourceAddress, retriever, _time)
            : new DiscoveryFetcher(settings.SourceAddress, expectedIssuer, retriever, _time);
    }
}
